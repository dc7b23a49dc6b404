using LogPipeline.Hosting.Configuration;
using LogPipeline.Hosting.Logging;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Pipeline;
using LogPipeline.Ingest.Reporting;
using LogPipeline.Ingest.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// logpipeline-ingest [run|setup|report] [--Section:Key=value ...]; no command = run (the worker).
var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;

switch (command)
{
    case "run":
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                Args = rest,
                // appsettings.json ships next to the binary, whatever the working directory.
                ContentRootPath = AppContext.BaseDirectory,
            });
            builder.AddJsonConsoleLogging();
            builder.Services.AddObservability(defaultPort: 9101);
            builder.Services.AddDocumentFactory(builder.Configuration);
            builder.Services.AddIngestPipeline(builder.Configuration);
            var host = builder.Build();
            var exitCode = host.Services.GetRequiredService<IngestExitCode>();
            return await HostRunner.RunAsync(host, () => exitCode.Value);
        }

    case "setup" or "report":
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            var configuration = OneShotConfiguration(args);
            return command == "setup"
                ? await SetupCommand.RunAsync(configuration, args, cancel.Token)
                : await ReportCommand.RunAsync(configuration, args, cancel.Token);
        }

    default:
        await Console.Error.WriteLineAsync($"unknown command '{command}'; usage: logpipeline-ingest [run|setup|report]");
        return 64;
}

// The one-shot commands read the same sources as the worker: appsettings.json, environment, command line.
static IConfiguration OneShotConfiguration(string[] args) => new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args.Where(a => a.StartsWith('-')).ToArray())
    .Build();
