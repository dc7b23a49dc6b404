using System.Text.Json.Nodes;
using LogPipeline.Testing;
using LogPipeline.Testing.Elasticsearch;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>
/// The whole pipeline on this machine: a log file on /dev/shm → shipper process → 3-broker mock Kafka →
/// ingest worker process(es) → Elasticsearch stand-in. Owned by one test; the test thread drives it.
/// </summary>
internal sealed class Pipeline : IAsyncDisposable
{
    public const string Topic = "nginx-access";
    public const string DeadLetterTopic = "nginx-access-dlq";
    public const string DataStream = "logs-logpipeline.nginx-default";
    public const string SourceName = "e2e-pod";

    private readonly List<WorkerProcess> _processes = [];
    private int _groupGeneration;

    private Pipeline(KafkaMockCluster kafka, ElasticsearchStandIn elasticsearch, string directory)
    {
        Kafka = kafka;
        Elasticsearch = elasticsearch;
        Directory = directory;
        System.IO.Directory.CreateDirectory(LogDirectory);
        System.IO.Directory.CreateDirectory(StateDirectory);
        GroupId = "e2e-" + Path.GetFileName(directory);
    }

    public KafkaMockCluster Kafka { get; }

    public ElasticsearchStandIn Elasticsearch { get; }

    /// <summary>Scratch root on /dev/shm (an in-memory volume, as the pod's emptyDir).</summary>
    public string Directory { get; }

    public string LogDirectory => Path.Combine(Directory, "logs");

    public string LogPath => Path.Combine(LogDirectory, "access.log");

    public string StateDirectory => Path.Combine(Directory, "state");

    public string GroupId { get; }

    /// <summary>Every process started so far (kept so that disposal reaps them and failures can show their output).</summary>
    public IReadOnlyList<WorkerProcess> Processes => _processes;

    public static Pipeline Start(int brokers = 3, int partitions = 3)
    {
        var root = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var directory = Path.Combine(root, "lp-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        var kafka = KafkaMockCluster.Start(brokers);
        kafka.CreateTopic(Topic, partitions, replicationFactor: Math.Min(3, brokers));
        kafka.CreateTopic(DeadLetterTopic, 1, replicationFactor: Math.Min(3, brokers));
        return new Pipeline(kafka, ElasticsearchStandIn.Start(), directory);
    }

    public Dictionary<string, string?> ShipperEnvironment(string? logPath = null, string? stateDirectory = null) => new()
    {
        ["Shipper__Path"] = logPath ?? LogPath,
        ["Shipper__StateDirectory"] = stateDirectory ?? StateDirectory,
        ["Shipper__SourceName"] = SourceName,
        ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka__Topic"] = Topic,
    };

    public Dictionary<string, string?> IngestEnvironment() => new()
    {
        ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka__Topic"] = Topic,
        ["Kafka__GroupId"] = GroupId,
        ["Kafka__DeadLetterTopic"] = DeadLetterTopic,
        // The default 45 s is how long a kill -9'd member keeps its partitions; CI cannot wait that long per scenario.
        ["Kafka__SessionTimeout"] = "00:00:06",
        ["Elasticsearch__Url"] = Elasticsearch.Url.ToString(),
        ["Elasticsearch__DataStream"] = DataStream,
        ["GeoIp__DatabasePath"] = Path.Combine(Binaries.DataDirectory, "geo-whois-asn-country.mmdb"),
        ["UserAgent__RegexesPath"] = Path.Combine(Binaries.DataDirectory, "regexes.yaml"),
    };

    public WorkerProcess StartShipper(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var env = ShipperEnvironment();
        Merge(env, overrides);
        var process = WorkerProcess.Start("shipper", Binaries.Shipper, env);
        _processes.Add(process);
        return process;
    }

    public WorkerProcess StartIngest(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var env = IngestEnvironment();
        Merge(env, overrides);
        var process = WorkerProcess.Start($"ingest-{++_groupGeneration}", Binaries.Ingest, env);
        _processes.Add(process);
        return process;
    }

    /// <summary>The stored documents of the data stream, keyed by <c>_id</c>.</summary>
    public IReadOnlyDictionary<string, JsonObject> Documents() => Elasticsearch.Documents(DataStream);

    /// <summary>
    /// Polls the stand-in until every id in <paramref name="expected"/> is indexed, or the deadline, or nothing
    /// new arrived for <paramref name="stall"/> (default 20 s: every fault here heals well before that).
    /// </summary>
    public async Task<DeliveryReport> WaitForIndexedAsync(IReadOnlyCollection<int> expected, TimeSpan timeout, TimeSpan? stall = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var stallFor = stall ?? TimeSpan.FromSeconds(20);
        var lastCount = -1;
        var lastChange = DateTime.UtcNow;
        while (true)
        {
            var documents = Documents();
            var report = DeliveryReport.FromDocuments(expected, documents);
            if (documents.Count != lastCount)
            {
                lastCount = documents.Count;
                lastChange = DateTime.UtcNow;
            }

            if (report.Missing.Count == 0 || DateTime.UtcNow > deadline || DateTime.UtcNow - lastChange > stallFor || _processes.Any(IsUnexpectedlyDead))
            {
                return report;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Reads the topic back and counts how often each sequence id is in it (Kafka keeps re-sends; ES de-duplicates them by _id).</summary>
    public KafkaCount CountKafka(int expected, string topic = Topic)
    {
        var records = TopicReader.ReadAll(Kafka.BootstrapServers, topic, expected, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        var perSeq = new Dictionary<int, int>();
        var unmatched = 0;
        foreach (var record in records)
        {
            if (DeliveryReport.TryExtractSeq(record.Message.Value, out var seq))
            {
                perSeq[seq] = perSeq.GetValueOrDefault(seq) + 1;
            }
            else
            {
                unmatched++;
            }
        }

        return new KafkaCount(records.Count, perSeq, unmatched);
    }

    /// <summary>Output of every process, for assertion messages.</summary>
    public string Diagnostics(int charsPerProcess = 3000) =>
        string.Join("\n", _processes.Select(p => $"===== {p.Name} (pid {p.Pid}, {(p.HasExited ? "exited " + p.ExitCode : "running")}) =====\n{p.Tail(charsPerProcess)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await Elasticsearch.DisposeAsync();
        Kafka.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A mount point or a file still held; /dev/shm is cleaned at reboot.
        }
    }

    /// <summary>A worker that exited although nobody stopped it (checked so waits end early with its output).</summary>
    private static bool IsUnexpectedlyDead(WorkerProcess process) => process.HasExited && !process.StoppedOnPurpose;

    private static void Merge(Dictionary<string, string?> env, IReadOnlyDictionary<string, string?>? overrides)
    {
        if (overrides is null)
        {
            return;
        }

        foreach (var (key, value) in overrides)
        {
            env[key] = value;
        }
    }
}

/// <summary>How often each sequence id appears in a Kafka topic.</summary>
internal sealed record KafkaCount(int Records, IReadOnlyDictionary<int, int> PerSeq, int Unmatched)
{
    public int Duplicates => PerSeq.Values.Sum(n => n - 1);
}
