using System.Text;
using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Reporting;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing;

namespace LogPipeline.Bench;

/// <summary>Runs the selected parts and writes the report (console, bench/results/, and docs/ on a full run).</summary>
public static class BenchCommand
{
    public static int Run(BenchOptions options)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Directory.CreateDirectory(options.ResultsDirectory);
        var report = new StringBuilder();
        var workloads = (options.Quick ? Suites.Quick : Suites.Full)
            .Where(w => options.Workloads is null || options.Workloads.Contains(w.Name)).ToList();
        var shipper = new LogPipelineShipper();
        List<RunResult> shipperResults = [];
        if (options.Runs("shipper"))
        {
            Console.WriteLine($"# Shipper side by side ({(options.Quick ? "quick" : "full")}; LogPipeline build: {shipper.Build})");
            // syslog-ng runs only when asked for (--tools syslog-ng): Debian's 3.38 follows file content by polling
            // only, which cannot keep up with the workloads' 50 KB rotations, so it is no baseline (bench/README.md).
            ITool[] all = [new ClientLimit(), shipper, new RsyslogPeer(), new SyslogNgPeer()];
            var tools = options.Tools is null
                ? all.Where(t => t is not SyslogNgPeer).ToArray()
                : all.Where(t => options.Tools.Contains(t.Name)).ToArray();
            var quiet = TimeSpan.FromSeconds(options.Quick ? 6 : 10);
            shipperResults = ShipperSuite.Run(workloads, tools, Path.Combine(options.ResultsDirectory, "logs"), quiet, cts.Token);
            var chartDir = options.Publishes ? RepoPaths.Combine("docs", "benchmarks") : options.ResultsDirectory;
            var charts = Charts.Write(chartDir, workloads, shipperResults);
            var docsDir = options.Publishes ? RepoPaths.Combine("docs") : options.ResultsDirectory;
            report.Append(ShipperSection.Render(workloads, shipperResults, shipper.Build, quiet, charts.Select(c => Path.GetRelativePath(docsDir, c))));
        }

        if (options.Runs("micro"))
        {
            Console.WriteLine("# Enrichment micro-benchmarks (BenchmarkDotNet)");
            report.Append(Micro.MicroSuite.Run(options.Quick, Path.Combine(options.ResultsDirectory, "BenchmarkDotNet")));
        }

        if (options.Runs("micro") || options.Runs("ua"))
        {
            Console.WriteLine("# User-agent engine (BenchmarkDotNet + a cold pass)");
            report.Append(Micro.UserAgentEngine.Run(options.Quick, Path.Combine(options.ResultsDirectory, "BenchmarkDotNet")));
        }

        if (options.Runs("ingest"))
        {
            Console.WriteLine("# Ingest end to end");
            report.Append(Ingest.IngestSection.Run(options.Quick));
        }

        if (options.Runs("drain") || options.Runs("fleet"))
        {
            Console.WriteLine("# Web pods (drain budget, many shippers)");
            report.Append(Pods.PodsSection.Run(options.Runs("drain"), options.Runs("fleet"), options.Quick, cts.Token));
        }

        if (options.Runs("headers"))
        {
            Console.WriteLine("# Source metadata header cost");
            report.Append(Pods.HeaderCost.Run(options.Quick, cts.Token));
        }

        var text = DocumentHeader(options) + report;
        Console.WriteLine();
        Console.WriteLine(text);
        var results = Path.Combine(options.ResultsDirectory, options.Quick ? "quick.md" : "full.md");
        File.WriteAllText(results, text);
        Console.WriteLine("written: " + results);
        if (options.Publishes)
        {
            var docs = RepoPaths.Combine("docs", "benchmarks.md");
            File.WriteAllText(docs, text);
            Console.WriteLine("written: " + docs);
        }

        return 0;
    }

    private static string DocumentHeader(BenchOptions options) =>
        $"""
        # Benchmarks

        Produced by `bench/run{(options.Quick ? " --quick" : string.Empty)}` (do not edit by hand: the full run rewrites this file).
        Everything runs on this one machine, one measurement at a time; the machine may have been shared with
        other builds while it ran, so treat differences under ~10% as noise.

        ## Machine

        {MarkdownReport.Machine()}

        """;
}
