using System.Globalization;
using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>Kafka and Elasticsearch: quorum, replication, persistent volumes, spreading.</summary>
public sealed class StatefulTests
{
    public static TheoryData<string, int> Sizes => new()
    {
        { "k8s/base", 3 },
        { "k8s/overlays/prod", 3 },
        { "k8s/overlays/dev", 1 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Stateful_sets_have_volume_claim_templates_a_headless_service_and_a_pdb(string target, int replicas)
    {
        var rendered = await Kustomize.RenderAsync(target);
        foreach (var name in new[] { "kafka", "elasticsearch" })
        {
            var sts = rendered.Single<V1StatefulSet>(name);
            Assert.Equal(replicas, sts.Spec.Replicas);
            Assert.Equal("Parallel", sts.Spec.PodManagementPolicy);

            var claim = Assert.Single(sts.Spec.VolumeClaimTemplates);
            Assert.Contains("ReadWriteOnce", claim.Spec.AccessModes);
            Assert.True(claim.Spec.Resources.Requests["storage"].ToDecimal() > 0);
            var container = Assert.Single(sts.Spec.Template.Spec.Containers);
            Assert.Contains(container.VolumeMounts, m => m.Name == claim.Metadata.Name);
            Assert.DoesNotContain(sts.Spec.Template.Spec.Volumes ?? [], v => v.Name == claim.Metadata.Name);

            var headless = rendered.Single<V1Service>(sts.Spec.ServiceName);
            Assert.Equal("None", headless.Spec.ClusterIP);
            Assert.True(headless.Spec.PublishNotReadyAddresses, "peers must find each other before they are ready");

            var pdb = rendered.Single<V1PodDisruptionBudget>(name);
            Assert.Equal(1, pdb.Spec.MaxUnavailable?.Value is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : -1);
            Assert.Equal(name, pdb.Spec.Selector.MatchLabels["app.kubernetes.io/name"]);

            var anti = sts.Spec.Template.Spec.Affinity?.PodAntiAffinity;
            if (replicas > 1)
            {
                var required = Assert.Single(anti!.RequiredDuringSchedulingIgnoredDuringExecution);
                Assert.Equal("kubernetes.io/hostname", required.TopologyKey);
                Assert.Equal(name, required.LabelSelector.MatchLabels["app.kubernetes.io/name"]);
            }
            else
            {
                Assert.Null(anti?.RequiredDuringSchedulingIgnoredDuringExecution);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Kafka_quorum_and_replication_match_the_node_count(string target, int replicas)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var kafka = Assert.Single(rendered.Single<V1StatefulSet>("kafka").Spec.Template.Spec.Containers);

        Assert.Equal("broker,controller", kafka.Env("KAFKA_PROCESS_ROLES"));
        var voters = kafka.Env("KAFKA_CONTROLLER_QUORUM_VOTERS")!.Split(',');
        Assert.Equal(replicas, voters.Length);
        for (var i = 0; i < replicas; i++)
        {
            Assert.Equal($"{i}@kafka-{i}.kafka-headless:9093", voters[i]);
        }

        var node = Assert.Single(kafka.Env!, e => e.Name == "KAFKA_NODE_ID");
        Assert.Equal("metadata.labels['apps.kubernetes.io/pod-index']", node.ValueFrom.FieldRef.FieldPath);

        var expectedRf = replicas >= 3 ? 3 : 1;
        var expectedIsr = replicas >= 3 ? 2 : 1;
        Assert.Equal(expectedRf.ToString(CultureInfo.InvariantCulture), kafka.Env("KAFKA_DEFAULT_REPLICATION_FACTOR"));
        Assert.Equal(expectedIsr.ToString(CultureInfo.InvariantCulture), kafka.Env("KAFKA_MIN_INSYNC_REPLICAS"));
        Assert.Equal(expectedRf.ToString(CultureInfo.InvariantCulture), kafka.Env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"));
        Assert.Equal("false", kafka.Env("KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
        Assert.False(rendered.Single<V1StatefulSet>("kafka").Spec.Template.Spec.EnableServiceLinks,
            "service links would inject KAFKA_* variables that the image turns into broker properties");

        var topics = Assert.Single(rendered.Single<V1Job>("kafka-topics").Spec.Template.Spec.Containers);
        Assert.Equal("nginx-access", topics.Env("TOPIC"));
        Assert.Equal(expectedRf.ToString(CultureInfo.InvariantCulture), topics.Env("REPLICATION_FACTOR"));
        Assert.Equal(expectedIsr.ToString(CultureInfo.InvariantCulture), topics.Env("MIN_INSYNC_REPLICAS"));

        // Consumers <= partitions, or some workers idle.
        var partitions = int.Parse(topics.Env("PARTITIONS")!, CultureInfo.InvariantCulture);
        Assert.InRange(rendered.Single<V1Deployment>("ingest").Spec.Replicas ?? 1, 1, partitions);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Elasticsearch_is_secured_and_forms_a_quorum(string target, int replicas)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var es = rendered.Single<V1StatefulSet>("elasticsearch");
        var container = Assert.Single(es.Spec.Template.Spec.Containers);
        var password = Assert.Single(container.Env, e => e.Name == "ELASTIC_PASSWORD");
        Assert.Equal("elasticsearch-credentials", password.ValueFrom.SecretKeyRef.Name);

        var config = Assert.Single(rendered.All<V1ConfigMap>(), c => c.Metadata.Name.StartsWith("elasticsearch-config", StringComparison.Ordinal));
        var yml = config.Data["elasticsearch.yml"];
        Assert.Contains("xpack.security.enabled: true", yml, StringComparison.Ordinal);
        Assert.Contains("xpack.security.transport.ssl.enabled: true", yml, StringComparison.Ordinal);
        Assert.Contains("xpack.security.http.ssl.enabled: true", yml, StringComparison.Ordinal);
        if (replicas > 1)
        {
            var masters = string.Join(", ", Enumerable.Range(0, replicas).Select(i => $"elasticsearch-{i}"));
            Assert.Contains($"cluster.initial_master_nodes: [{masters}]", yml, StringComparison.Ordinal);
            Assert.Contains("node.roles: [master, data", yml, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("discovery.type: single-node", yml, StringComparison.Ordinal);
        }

        // Clients use HTTPS with the cluster CA.
        var ingest = Assert.Single(rendered.Single<V1Deployment>("ingest").Spec.Template.Spec.Containers);
        Assert.StartsWith("https://", ingest.Env("Elasticsearch__Url"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(ingest.Env("Elasticsearch__CaCertificatePath")));
        var setup = Assert.Single(rendered.Single<V1Job>("setup").Spec.Template.Spec.Containers);
        Assert.Equal(["setup"], setup.Args);
        Assert.Equal("http://kibana:5601", setup.Env("Kibana__Url"));
    }
}
