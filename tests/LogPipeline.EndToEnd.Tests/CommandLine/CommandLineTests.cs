using LogPipeline.EndToEnd.Tests.Harness;

namespace LogPipeline.EndToEnd.Tests.CommandLine;

/// <summary>
/// The real binaries answer <c>--help</c>/<c>--version</c> on every command with exit 0 and start nothing, and
/// refuse an unknown command or option with exit 2 and the usage; configuration overrides keep reaching the
/// configuration. No Kafka anywhere: a binary that started its worker instead would time out here.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(20);

    public static TheoryData<string, string, int, string> Cases => new()
    {
        // (binary, arguments separated by spaces, exit code, text expected in the output); the version is
        // Directory.Build.props' <Version>, the same for both binaries.
        { "ingest", "--help", 0, "usage: logpipeline-ingest [run|setup|report|check]" },
        { "ingest", "-h", 0, "docs/contracts.md" },
        { "ingest", "run --help", 0, "usage: logpipeline-ingest [run]" },
        { "ingest", "setup --help", 0, "usage: logpipeline-ingest setup" },
        { "ingest", "report --help", 0, "usage: logpipeline-ingest report" },
        { "ingest", "check --help", 0, "usage: logpipeline-ingest check" },
        { "ingest", "--version", 0, "logpipeline-ingest 0.1.0" },
        { "ingest", "setup --version", 0, "logpipeline-ingest 0.1.0" },
        { "ingest", "frobnicate", 2, "unknown command 'frobnicate'" },
        { "ingest", "--frobnicate", 2, "unknown option '--frobnicate'" },
        { "ingest", "setup --force", 2, "unknown option '--force' for setup" },
        { "ingest", "report --last 24h --colour", 2, "usage: logpipeline-ingest report" },
        // An override in the environment's spelling reaches the configuration: the empty value is refused by name.
        { "ingest", "--Kafka__BootstrapServers=", 2, "Kafka:BootstrapServers" },
        { "shipper", "--help", 0, "usage: logpipeline-shipper [run|check]" },
        { "shipper", "check -h", 0, "usage: logpipeline-shipper check" },
        { "shipper", "--version", 0, "logpipeline-shipper 0.1.0" },
        { "shipper", "--follow", 2, "unknown option '--follow'" },
        { "shipper", "ship", 2, "unknown command 'ship'" },
        { "shipper", "--Shipper:Path=", 2, "Shipper:Path" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Answers_help_version_and_unknown_arguments(string binary, string arguments, int exitCode, string expected)
    {
        var dll = binary == "ingest" ? Binaries.Ingest : Binaries.Shipper;
        await using var process = WorkerProcess.Start(binary, dll, new Dictionary<string, string?>(), arguments.Split(' '));
        int code;
        try
        {
            code = await process.WaitForExitAsync(ExitTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{binary} {arguments} kept running (it started the worker?)\n{process.Tail()}");
            throw;
        }

        Assert.True(code == exitCode, $"{binary} {arguments}: exit code {code}, expected {exitCode}\n{process.Tail()}");
        Assert.Contains(expected, process.Output, StringComparison.Ordinal);
        if (exitCode == 0)
        {
            Assert.Equal(string.Empty, process.StandardError);
            Assert.DoesNotContain("\"LogLevel\"", process.StandardOutput, StringComparison.Ordinal); // no host started
        }
    }
}
