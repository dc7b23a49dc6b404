using LogPipeline.Hosting.CommandLine;

namespace LogPipeline.Hosting.Tests.CommandLine;

public sealed class CommandLineArgumentsTests
{
    [Theory]
    // (arguments, command, help, version, own arguments, overrides) — "|" separates list items.
    [InlineData("", null, false, false, "", "")]
    [InlineData("--help", null, true, false, "", "")]
    [InlineData("-h", null, true, false, "", "")]
    [InlineData("help", null, true, false, "", "")]
    [InlineData("setup --help", "setup", true, false, "", "")]
    [InlineData("--version", null, false, true, "", "")]
    [InlineData("check --Kafka:BootstrapServers=k:9092", "check", false, false, "", "--Kafka:BootstrapServers=k:9092")]
    [InlineData("--Kafka:BootstrapServers k:9092 --Kafka__Topic=t", null, false, false, "", "--Kafka:BootstrapServers=k:9092|--Kafka:Topic=t")]
    [InlineData("/Shipper:Path=/var/log/a.log --environment Staging", null, false, false, "", "--Shipper:Path=/var/log/a.log|--environment=Staging")]
    [InlineData("report --last 24h --format json --Elasticsearch:Url=http://es:9200", "report", false, false, "--last|24h|--format|json", "--Elasticsearch:Url=http://es:9200")]
    [InlineData("run --bogus", "run", false, false, "--bogus", "")]
    [InlineData("--bogus run", null, false, false, "--bogus|run", "")]
    public void Splits_command_flags_own_arguments_and_overrides(string line, string? command, bool help, bool version, string own, string overrides)
    {
        var parsed = CommandLineArguments.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(command, parsed.Command);
        Assert.Equal(help, parsed.Help);
        Assert.Equal(version, parsed.Version);
        Assert.Equal(own.Split('|', StringSplitOptions.RemoveEmptyEntries), parsed.Own);
        Assert.Equal(overrides.Split('|', StringSplitOptions.RemoveEmptyEntries), parsed.Overrides);
    }

    [Fact]
    public void Check_report_exits_zero_only_when_every_check_passed()
    {
        using var output = new StringWriter();
        var report = new CheckReport(output);
        report.Pass("Kafka", "3 brokers");
        Assert.Equal(ExitCodes.Success, report.ExitCode);
        report.Fail("topic nginx-access", "does not exist", "create it");
        report.Summary();
        Assert.Equal(ExitCodes.Failure, report.ExitCode);
        Assert.Equal("✓ Kafka: 3 brokers\n✗ topic nginx-access: does not exist — create it\n1 of 2 checks failed\n", output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
