using System.Runtime.InteropServices;

namespace LogPipeline.Testing.Kafka;

/// <summary>
/// The librdkafka entry points behind the mock cluster, bound at run time to the same native library
/// Confluent.Kafka uses. On Debian 12 the default <c>librdkafka.so</c> needs libsasl2.so.3 and does not
/// load; the <c>centos8-librdkafka.so</c> variant shipped beside it does.
/// </summary>
internal static unsafe class RdKafkaNative
{
    private static readonly Lazy<Api> Loaded = new(Load);

    public static Api Functions => Loaded.Value;

    public static string LibraryPath { get; private set; } = string.Empty;

    internal sealed class Api
    {
        public required delegate* unmanaged<IntPtr> ConfNew { get; init; }

        public required delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet { get; init; }

        public required delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New { get; init; }

        public required delegate* unmanaged<IntPtr, void> Destroy { get; init; }

        public required delegate* unmanaged<IntPtr, int, IntPtr> MockClusterNew { get; init; }

        public required delegate* unmanaged<IntPtr, void> MockClusterDestroy { get; init; }

        public required delegate* unmanaged<IntPtr, IntPtr> MockClusterBootstraps { get; init; }

        public required delegate* unmanaged<IntPtr, byte*, int, int, int> MockTopicCreate { get; init; }

        public required delegate* unmanaged<IntPtr, int, int> MockBrokerSetDown { get; init; }

        public required delegate* unmanaged<IntPtr, int, int> MockBrokerSetUp { get; init; }

        public required delegate* unmanaged<IntPtr, int, int, int> MockBrokerSetRtt { get; init; }

        public required delegate* unmanaged<IntPtr, short, nuint, int*, void> MockPushRequestErrorsArray { get; init; }

        public required delegate* unmanaged<IntPtr, short, void> MockClearRequestErrors { get; init; }
    }

    /// <summary>Finds the loadable librdkafka variant shipped with Confluent.Kafka.</summary>
    public static string FindLibrary()
    {
        var candidates = new List<string>();
        foreach (var dir in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"),
                     AppContext.BaseDirectory,
                 })
        {
            candidates.Add(Path.Combine(dir, "centos8-librdkafka.so"));
            candidates.Add(Path.Combine(dir, "librdkafka.so"));
        }

        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var redist = Path.Combine(nugetRoot, "librdkafka.redist");
        if (Directory.Exists(redist))
        {
            foreach (var version in Directory.GetDirectories(redist).OrderDescending())
            {
                candidates.Add(Path.Combine(version, "runtimes", "linux-x64", "native", "centos8-librdkafka.so"));
            }
        }

        foreach (var candidate in candidates.Where(File.Exists))
        {
            if (NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "No loadable librdkafka with the mock cluster was found; looked at: " + string.Join(", ", candidates));
    }

    private static Api Load()
    {
        LibraryPath = FindLibrary();
        var h = NativeLibrary.Load(LibraryPath);
        IntPtr F(string name) => NativeLibrary.GetExport(h, name);
        return new Api
        {
            ConfNew = (delegate* unmanaged<IntPtr>)F("rd_kafka_conf_new"),
            ConfSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)F("rd_kafka_conf_set"),
            New = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)F("rd_kafka_new"),
            Destroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_destroy"),
            MockClusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)F("rd_kafka_mock_cluster_new"),
            MockClusterDestroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_mock_cluster_destroy"),
            MockClusterBootstraps = (delegate* unmanaged<IntPtr, IntPtr>)F("rd_kafka_mock_cluster_bootstraps"),
            MockTopicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)F("rd_kafka_mock_topic_create"),
            MockBrokerSetDown = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_mock_broker_set_down"),
            MockBrokerSetUp = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_mock_broker_set_up"),
            MockBrokerSetRtt = (delegate* unmanaged<IntPtr, int, int, int>)F("rd_kafka_mock_broker_set_rtt"),
            MockPushRequestErrorsArray = (delegate* unmanaged<IntPtr, short, nuint, int*, void>)F("rd_kafka_mock_push_request_errors_array"),
            MockClearRequestErrors = (delegate* unmanaged<IntPtr, short, void>)F("rd_kafka_mock_clear_request_errors"),
        };
    }
}
