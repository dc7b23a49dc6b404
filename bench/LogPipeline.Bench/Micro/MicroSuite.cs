using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace LogPipeline.Bench.Micro;

/// <summary>Runs the BenchmarkDotNet enrichment benchmarks in-process and renders events/s per core.</summary>
public static class MicroSuite
{
    private const double TargetPerCore = 150_000;

    private static string JobDescription(bool quick) =>
        BenchOptions.PreferredConfigurations[0] == "Debug" ? "quick smoke job on a Debug build (numbers are only a sign of life)"
        : quick ? "quick smoke job (few iterations, numbers are rough)"
        : "ShortRun job";

    public static string Run(bool quick, string artifacts)
    {
        if (EnrichmentFixture.MissingData() is { } missing)
        {
            return $"## Ingest: enrichment micro-benchmarks\n\nnot available: {missing}\n\n";
        }

        // In-process: no per-benchmark project rebuild (minutes on 2 cores); quick = a smoke-test-sized job.
        var job = (quick ? Job.Dry.WithIterationCount(3).WithWarmupCount(1) : Job.ShortRun)
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);
        if (BenchOptions.PreferredConfigurations[0] == "Debug")
        {
            // The quick smoke test runs CI's Debug build: numbers are only a sign of life then.
            config = config.WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }

        var summary = BenchmarkRunner.Run<EnrichmentBenchmarks>(config);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""
            ## Ingest: enrichment micro-benchmarks

            BenchmarkDotNet {JobDescription(quick)}, in-process, one thread, over
            1,024 varied generated lines and the real data files (uap-core regexes, geo-whois-asn-country).
            One operation = one line, so events/s per core = 10⁹ ÷ ns per op. Target for the full TryCreate: ≥ 150k/s/core.

            | benchmark | ns per line | events/s per core | allocated B per line |
            |---|---:|---:|---:|

            """);
        foreach (var report in summary.Reports)
        {
            var name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
            if (report.ResultStatistics is not { } stats)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {name} | failed | | |\n");
                continue;
            }

            var perSecond = 1e9 / stats.Mean;
            var alloc = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            var mark = name.Contains("TryCreate", StringComparison.Ordinal)
                ? (perSecond >= TargetPerCore ? " (target met)" : " (**below target**)")
                : string.Empty;
            sb.Append(CultureInfo.InvariantCulture, $"| {name} | {stats.Mean:0} | {perSecond:N0}{mark} | {alloc?.ToString(CultureInfo.InvariantCulture) ?? "?"} |\n");
        }

        return sb.Append('\n').ToString();
    }
}
