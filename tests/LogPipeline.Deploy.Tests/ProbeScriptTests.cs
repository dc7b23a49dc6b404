using System.Runtime.Versioning;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>
/// The readiness scripts of the stateful sets, run for real with a stand-in for the one tool each
/// calls (kafka-topics.sh, curl): the stand-in prints what the real tool prints in that state
/// (Kafka 4.x TopicCommand's partition lines; curl -f's exit 22 on a 408/503) and records how it
/// was called.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ProbeScriptTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lp-probe-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Shell => Proc.Which("dash") ?? Proc.Which("sh") ?? throw new InvalidOperationException("no sh");

    private static string Line(string topic, int partition, int leader, string replicas, string isr) =>
        $"\tTopic: {topic}\tPartition: {partition}\tLeader: {leader}\tReplicas: {replicas}\tIsr: {isr}\tElr: N/A\tLastKnownElr: N/A";

    private async Task<Proc.Result> KafkaProbeAsync(int nodeId, string describeOutput, int toolExit = 0)
    {
        var bin = Directory.CreateDirectory(Path.Combine(dir, "kafka-bin")).FullName;
        var tool = Path.Combine(bin, "kafka-topics.sh");
        File.WriteAllText(tool, """
            #!/bin/sh
            printf '%s\n' "$*" > "$FAKE_DIR/args"
            printf '%s\n' "$KAFKA_HEAP_OPTS" > "$FAKE_DIR/heap"
            cat "$FAKE_DIR/describe"
            exit "$FAKE_EXIT"
            """.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, "describe"), describeOutput);

        return await Proc.RunAsync(
            Shell,
            [Repo.PathOf("k8s/base/kafka/readiness.sh")],
            environment: new Dictionary<string, string>
            {
                ["KAFKA_BIN"] = bin,
                ["KAFKA_NODE_ID"] = nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // What the container really has: the broker's heap, which the probe must not inherit.
                ["KAFKA_HEAP_OPTS"] = "-Xms1g -Xmx1g",
                ["FAKE_DIR"] = dir,
                ["FAKE_EXIT"] = toolExit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Kafka_broker_in_every_isr_is_ready_and_asks_only_for_under_replicated_partitions()
    {
        var result = await KafkaProbeAsync(1, string.Empty);
        Assert.True(result.ExitCode == 0, result.ToString());

        var args = File.ReadAllText(Path.Combine(dir, "args")).Trim().Split(' ');
        Assert.Contains("--describe", args);
        Assert.Contains("--under-replicated-partitions", args);
        Assert.Equal("localhost:9092", args[Array.IndexOf(args, "--bootstrap-server") + 1]);
        var config = args[Array.IndexOf(args, "--command-config") + 1];
        Assert.Equal(Repo.PathOf("k8s/base/kafka/probe-admin.properties"), Path.GetFullPath(config));
        Assert.Equal("-Xms16m -Xmx128m", File.ReadAllText(Path.Combine(dir, "heap")).Trim());
    }

    [Fact]
    public async Task Kafka_broker_missing_from_an_isr_it_belongs_to_is_not_ready_and_says_which()
    {
        var describe = string.Join('\n', Line("nginx-access", 3, 2, "2,1,0", "2,0"), Line("__consumer_offsets", 7, 0, "0,1,2", "0,2")) + "\n";
        var result = await KafkaProbeAsync(1, describe);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nginx-access-3", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("__consumer_offsets-7", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kafka_broker_stays_ready_when_only_other_brokers_are_out_of_sync()
    {
        // Broker 2 is down or lagging; broker 1 is in every ISR it belongs to. Ids 10 and 11 must
        // not be mistaken for 1.
        var describe = string.Join('\n', Line("nginx-access", 3, 1, "2,1,0", "1,0"), Line("nginx-access", 4, 10, "10,11,2", "10")) + "\n";
        var result = await KafkaProbeAsync(1, describe);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Kafka_broker_that_does_not_answer_is_not_ready()
    {
        var result = await KafkaProbeAsync(1, string.Empty, toolExit: 1);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not answer", result.StdOut, StringComparison.Ordinal);
    }

    /// <summary>Runs the Elasticsearch probe with a stand-in curl: "green" reached or not, a master or not.</summary>
    private async Task<Proc.Result> EsProbeAsync(bool statusReached, bool masterElected, string status = "green")
    {
        var bin = Directory.CreateDirectory(Path.Combine(dir, "curl-bin")).FullName;
        var curl = Path.Combine(bin, "curl");
        File.WriteAllText(curl, """
            #!/bin/sh
            printf '%s\n' "$*" >> "$FAKE_DIR/curl-args"
            cat >> "$FAKE_DIR/curl-stdin"
            case "$*" in
                *wait_for_status=*) [ "$FAKE_REACHED" = 1 ] || { echo "curl: (22) The requested URL returned error: 408" >&2; exit 22; } ;;
            esac
            [ "$FAKE_MASTER" = 1 ] || { echo "curl: (22) The requested URL returned error: 503" >&2; exit 22; }
            exit 0
            """.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(curl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        return await Proc.RunAsync(
            Shell,
            [Repo.PathOf("k8s/base/elasticsearch/readiness.sh")],
            environment: new Dictionary<string, string>
            {
                ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["ELASTIC_PASSWORD"] = "0123abcd-secret",
                ["ES_READY_STATUS"] = status,
                ["ES_READY_MARKER"] = Path.Combine(dir, "ready-once"),
                ["FAKE_DIR"] = dir,
                ["FAKE_REACHED"] = statusReached ? "1" : "0",
                ["FAKE_MASTER"] = masterElected ? "1" : "0",
            },
            cancellationToken: TestContext.Current.CancellationToken);
    }

    private string[] CurlCalls() => File.ReadAllLines(Path.Combine(dir, "curl-args"));

    [Fact]
    public async Task Elasticsearch_node_is_not_ready_after_a_start_until_the_cluster_reaches_the_status()
    {
        var result = await EsProbeAsync(statusReached: false, masterElected: true);
        Assert.Equal(1, result.ExitCode);
        Assert.False(File.Exists(Path.Combine(dir, "ready-once")));
        var call = Assert.Single(CurlCalls());
        Assert.Contains("https://localhost:9200/_cluster/health?wait_for_status=green&timeout=1s", call, StringComparison.Ordinal);
        Assert.Contains("--cacert /usr/share/elasticsearch/config/certs/ca.crt", call, StringComparison.Ordinal);
        // -f: a 408 (status not reached) or 503 (no master) is a failed probe, not an answered one.
        Assert.Contains(call.Split(' '), a => a.StartsWith('-') && !a.StartsWith("--", StringComparison.Ordinal) && a.Contains('f', StringComparison.Ordinal));
        Assert.DoesNotContain("local=true", call, StringComparison.Ordinal);

        // The password reaches curl on stdin, never on its command line.
        Assert.DoesNotContain("0123abcd-secret", call, StringComparison.Ordinal);
        Assert.Contains("user = \"elastic:0123abcd-secret\"", File.ReadAllText(Path.Combine(dir, "curl-stdin")), StringComparison.Ordinal);

        // Once reached: ready.
        result = await EsProbeAsync(statusReached: true, masterElected: true);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(dir, "ready-once")));
    }

    [Fact]
    public async Task Elasticsearch_node_once_ready_stays_ready_while_yellow_or_red_but_not_without_a_master()
    {
        Assert.Equal(0, (await EsProbeAsync(statusReached: true, masterElected: true)).ExitCode);

        // Later the cluster is no longer green (a node lost): this node stays in the Service.
        var result = await EsProbeAsync(statusReached: false, masterElected: true);
        Assert.True(result.ExitCode == 0, result.ToString());
        var later = CurlCalls()[^1];
        Assert.Contains("_cluster/health?timeout=1s", later, StringComparison.Ordinal);
        Assert.DoesNotContain("wait_for_status", later, StringComparison.Ordinal);
        Assert.DoesNotContain("local=true", later, StringComparison.Ordinal);

        // No elected master (cluster health answers 503): not ready.
        result = await EsProbeAsync(statusReached: false, masterElected: false);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task Elasticsearch_probe_waits_for_the_configured_status()
    {
        var result = await EsProbeAsync(statusReached: true, masterElected: true, status: "yellow");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("wait_for_status=yellow&", Assert.Single(CurlCalls()), StringComparison.Ordinal);
    }
}
