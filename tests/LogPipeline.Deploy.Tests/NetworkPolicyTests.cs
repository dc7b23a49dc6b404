using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>Who may talk to whom: default deny plus narrow allow-lists.</summary>
public sealed class NetworkPolicyTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    /// <summary>app names allowed to reach <paramref name="app"/> on <paramref name="port"/>; "*" for any peer.</summary>
    private static HashSet<string> PeersOf(Rendered rendered, string app, int port)
    {
        var peers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var policy in rendered.All<V1NetworkPolicy>())
        {
            var selector = policy.Spec.PodSelector.MatchLabels;
            var applies = selector is null || selector.Count == 0
                || (selector.TryGetValue("app.kubernetes.io/name", out var n) && n == app);
            if (!applies)
            {
                continue;
            }

            foreach (var rule in policy.Spec.Ingress ?? [])
            {
                var coversPort = rule.Ports is null || rule.Ports.Count == 0 || rule.Ports.Any(p => p.Port?.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (!coversPort)
                {
                    continue;
                }

                if (rule.FromProperty is null || rule.FromProperty.Count == 0)
                {
                    peers.Add("*");
                    continue;
                }

                foreach (var from in rule.FromProperty)
                {
                    if (from.IpBlock is not null)
                    {
                        peers.Add("*");
                    }
                    else if (from.PodSelector?.MatchLabels is { } l && l.TryGetValue("app.kubernetes.io/name", out var peer))
                    {
                        peers.Add(from.NamespaceSelector is null ? peer : "ns:" + peer);
                    }
                    else if (from.NamespaceSelector?.MatchLabels is { } ns && ns.TryGetValue("kubernetes.io/metadata.name", out var nsName))
                    {
                        peers.Add("namespace:" + nsName);
                    }
                    else
                    {
                        peers.Add("*");
                    }
                }
            }
        }

        return peers;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Ingress_is_denied_by_default(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var deny = Assert.Single(rendered.All<V1NetworkPolicy>(), p => p.Metadata.Name == "default-deny-ingress");
        Assert.True(deny.Spec.PodSelector.MatchLabels is null || deny.Spec.PodSelector.MatchLabels.Count == 0);
        Assert.Contains("Ingress", deny.Spec.PolicyTypes);
        Assert.True(deny.Spec.Ingress is null || deny.Spec.Ingress.Count == 0);

        // Every workload is covered by at least one specific policy too.
        foreach (var app in new[] { "web", "kafka", "elasticsearch", "kibana", "ingest" })
        {
            Assert.Contains(rendered.All<V1NetworkPolicy>(), p =>
                p.Spec.PodSelector.MatchLabels?.TryGetValue("app.kubernetes.io/name", out var n) == true && n == app);
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Only_shippers_workers_and_the_topic_job_reach_kafka(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        Assert.Equal(["ingest", "kafka", "kafka-topics", "web"], PeersOf(rendered, "kafka", 9092).Order(StringComparer.Ordinal));
        Assert.Equal(["kafka"], PeersOf(rendered, "kafka", 9093));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Only_workers_setup_jobs_and_kibana_reach_elasticsearch(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        Assert.Equal(
            ["elasticsearch", "elasticsearch-users", "ingest", "kibana", "setup"],
            PeersOf(rendered, "elasticsearch", 9200).Order(StringComparer.Ordinal));
        Assert.Equal(["elasticsearch"], PeersOf(rendered, "elasticsearch", 9300));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Web_and_kibana_only_from_the_ingress_controller(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        Assert.Equal(["namespace:ingress-nginx"], PeersOf(rendered, "web", 8080));
        Assert.Equal(["namespace:monitoring"], PeersOf(rendered, "web", 9100));
        Assert.Equal(["namespace:ingress-nginx", "setup"], PeersOf(rendered, "kibana", 5601).Order(StringComparer.Ordinal));
        Assert.Equal(["namespace:monitoring"], PeersOf(rendered, "ingest", 9101));
    }
}
