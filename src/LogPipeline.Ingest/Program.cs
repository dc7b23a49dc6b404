using LogPipeline.Hosting.CommandLine;
using LogPipeline.Hosting.Configuration;
using LogPipeline.Ingest.Checking;
using LogPipeline.Ingest.Pipeline;
using LogPipeline.Ingest.Reporting;
using LogPipeline.Ingest.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// logpipeline-ingest [run|setup|report|check] [--help] [--version] [--Section:Key=value ...]; no command = run.
// Exit codes: 0 success, 1 failure (setup/report/check: the message says what), 2 configuration or command-line error,
// 4 fatal Kafka consumer error, 5 Elasticsearch refused at start (unsupported version, 401/403, template rejected).
var cli = CommandLineArguments.Parse(args);
var version = CommandLineArguments.VersionOf(typeof(IngestHost).Assembly);
var command = cli.Command ?? "run";
if (cli.Version)
{
    Console.WriteLine($"logpipeline-ingest {version}");
    return ExitCodes.Success;
}

if (!IngestUsage.Commands.Contains(command))
{
    return await UsageErrorAsync($"unknown command '{command}'", null);
}

if (cli.Help)
{
    Console.Write(IngestUsage.Text(version, cli.Command));
    return ExitCodes.Success;
}

if (command != "report" && cli.Own.Any(o => !(command == "setup" && o == SetupCommand.OverwriteOption)))
{
    return await UsageErrorAsync($"unknown option '{cli.Own.First(o => !(command == "setup" && o == SetupCommand.OverwriteOption))}' for {command}", command);
}

if (command == "report" && ReportArguments.Parse([.. cli.Own], DateTimeOffset.UtcNow, out var reportError) is null)
{
    await Console.Error.WriteLineAsync(reportError);
    return ExitCodes.Usage;
}

if (command == "run")
{
    var host = IngestHost.CreateBuilder(cli.Overrides).Build();
    // Resolved before RunAsync disposes the host: the worker sets it when it stops on a fatal error.
    var exitCode = host.Services.GetRequiredService<IngestExitCode>();
    return await HostRunner.RunAsync(host, () => exitCode.Value);
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
if (command == "check")
{
    return await IngestCheck.RunAsync(cli.Overrides, Console.Out, cancel.Token);
}

// The one-shot commands read the same sources as the worker: appsettings.json, environment, command line.
var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(cli.Overrides)
    .Build();
string[] commandArgs = [command, .. cli.Own, .. cli.Overrides];
return command == "setup"
    ? await SetupCommand.RunAsync(configuration, commandArgs, cancel.Token)
    : await ReportCommand.RunAsync(configuration, commandArgs, cancel.Token);

static async Task<int> UsageErrorAsync(string what, string? command)
{
    var version = CommandLineArguments.VersionOf(typeof(IngestHost).Assembly);
    await Console.Error.WriteLineAsync($"{what}\n\n{IngestUsage.Text(version, command)}");
    return ExitCodes.Usage;
}
