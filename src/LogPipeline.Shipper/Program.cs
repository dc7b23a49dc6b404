using LogPipeline.Hosting.CommandLine;
using LogPipeline.Hosting.Configuration;
using LogPipeline.Kafka.Native;
using LogPipeline.Shipper;
using LogPipeline.Shipper.Checking;
using LogPipeline.Shipper.Native;
using Microsoft.Extensions.DependencyInjection;

// logpipeline-shipper [run|check] [--help] [--version] [--Section:Key=value ...]; no command = run.
// Exit codes: 0 = stopped with everything delivered, 2 = configuration or command-line error (the key or the
// argument is named) or librdkafka missing or older than the supported minimum, 3 = stopped with lines undelivered (logged with counts), 4 = Kafka refused delivery or the
// producer became unusable (cause logged; unacknowledged lines are re-sent after the restart),
// 1 = failure (check: a check failed).
var cli = CommandLineArguments.Parse(args);
var version = CommandLineArguments.VersionOf(typeof(ShipperHost).Assembly);
var command = cli.Command ?? "run";
if (cli.Version)
{
    Console.WriteLine($"logpipeline-shipper {version}");
    return ExitCodes.Success;
}

if (command is not ("run" or "check") || cli.Own.Count > 0)
{
    var what = command is not ("run" or "check") ? $"unknown command '{command}'" : $"unknown option '{cli.Own[0]}'";
    await Console.Error.WriteLineAsync($"{what}\n\n{ShipperUsage.Text(version, null)}");
    return ExitCodes.Usage;
}

if (cli.Help)
{
    Console.Write(ShipperUsage.Text(version, command));
    return ExitCodes.Success;
}

if (command == "check")
{
    return ShipperCheck.Run(cli.Overrides, Console.Out);
}

// A missing, unloadable or too old librdkafka is an environment error: refuse before anything starts
// (exit 2, like a configuration error; `check` reports it as a failed check instead).
try
{
    RdKafka.Load();
}
catch (LibrdkafkaUnavailableException ex)
{
    await Console.Error.WriteLineAsync($"environment error: {ex.Message}");
    return HostRunner.ConfigurationError;
}

var host = ShipperHost.CreateBuilder(cli.Overrides).Build();
var exitCode = host.Services.GetRequiredService<ShipperExitCode>();
return await HostRunner.RunAsync(host, () => exitCode.Value);
