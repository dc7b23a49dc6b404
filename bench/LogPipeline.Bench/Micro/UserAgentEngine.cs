using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LogPipeline.Bench.Measurement;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Testing;
using YamlDotNet.RepresentationModel;

namespace LogPipeline.Bench.Micro;

/// <summary>
/// The user-agent engine over uap-core's test_ua.yaml strings (the ~1,430 distinct user agents of the pinned
/// version's conformance file, from the project's shared/ folder): a never-seen string (no cache: what a new
/// user agent costs) and a cached one, and the reference engine that tries every rule in order.
/// </summary>
[MemoryDiagnoser]
public class UserAgentEngineBenchmarks
{
    private string[] _agents = [];
    private UserAgentParser _parser = null!;
    private UserAgentParser _reference = null!;

    [GlobalSetup]
    public void Setup()
    {
        _agents = UserAgentEngine.TestUaStrings() ?? throw new InvalidOperationException(UserAgentEngine.Missing());
        _parser = new UserAgentParser(EnrichmentFixture.DataFile("regexes.yaml"));
        _reference = new UserAgentParser(EnrichmentFixture.DataFile("regexes.yaml"), UserAgentOptions.DefaultCacheBytes, 512, null, prefilter: false, precompiled: false);
        // Steady state: the engine has seen this traffic and compiled the rules it spends its time in
        // (the cold-start cost is the separate first-pass table).
        UserAgentEngine.WarmUp(_parser, _agents);
        foreach (var agent in _agents)
        {
            _parser.Parse(agent.AsSpan());
        }
    }

    [Benchmark(OperationsPerInvoke = UserAgentEngine.Operations, Description = "never seen (prefiltered engine)")]
    public int NeverSeen()
    {
        var n = 0;
        foreach (var agent in _agents)
        {
            n += _parser.Resolve(agent).Name.Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = UserAgentEngine.Operations, Description = "never seen (reference: every rule in order)")]
    public int NeverSeenReference()
    {
        var n = 0;
        foreach (var agent in _agents)
        {
            n += _reference.Resolve(agent).Name.Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = UserAgentEngine.Operations, Description = "cached")]
    public int Cached()
    {
        var n = 0;
        foreach (var agent in _agents)
        {
            n += _parser.Parse(agent.AsSpan()).Name.Length;
        }

        return n;
    }
}

/// <summary>Runs <see cref="UserAgentEngineBenchmarks"/> and the cold-start latency pass; renders the report section.</summary>
public static class UserAgentEngine
{
    /// <summary>Distinct strings of test_ua.yaml at 0.18.0 (1,430 cases) (checked at load, so the per-operation division stays right).</summary>
    public const int Operations = 1_429;

    private const int MaxLength = 512;

    public static string Directory => Path.GetFullPath(RepoPaths.Combine("..", "shared", "uap-core-0.18.0-tests"));

    public static string Missing() =>
        EnrichmentFixture.MissingData() ?? $"{Path.Combine(Directory, "test_ua.yaml")} not found (uap-core's test files live in the project's shared/ folder)";

    /// <summary>test_ua.yaml's distinct user agents, cut as the worker cuts them (null when the file is absent).</summary>
    public static string[]? TestUaStrings()
    {
        var path = Path.Combine(Directory, "test_ua.yaml");
        if (!File.Exists(path) || EnrichmentFixture.MissingData() is not null)
        {
            return null;
        }

        using var reader = File.OpenText(path);
        var yaml = new YamlStream();
        yaml.Load(reader);
        var cases = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("test_cases")];
        string[] agents = [.. cases.Children.Cast<YamlMappingNode>()
            .Select(c => ((YamlScalarNode)c.Children[new YamlScalarNode("user_agent_string")]).Value ?? string.Empty)
            .Select(ua => ua.Length > MaxLength ? ua[..MaxLength] : ua)
            .Distinct(StringComparer.Ordinal)];
        return agents.Length == Operations
            ? agents
            : throw new InvalidDataException($"test_ua.yaml has {agents.Length} distinct user agents, the benchmark divides by {Operations}");
    }

    public static string Run(bool quick, string artifacts)
    {
        const string Title = "## Ingest: user-agent engine\n\n";
        if (TestUaStrings() is not { } agents)
        {
            return $"{Title}not available: {Missing()}\n\n";
        }

        var load = LoadAverage();
        var cold = Cold(agents, prefilter: true, precompiled: true)
            .Concat(Cold(agents, prefilter: true, precompiled: false))
            .Concat(Cold(agents, prefilter: false, precompiled: false)).ToList();
        load += " → " + LoadAverage();

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
            config = config.WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }

        var summary = BenchmarkRunner.Run<UserAgentEngineBenchmarks>(config);

        var sb = new StringBuilder(Title);
        sb.Append(CultureInfo.InvariantCulture, $"""
            uap-core's rules (regexes.yaml) over the {agents.Length:N0} distinct user agents of its `test_ua.yaml`
            (0.18.0, cut at 512 chars as the worker does). The engine scans each string once for every rule's required
            literals (docs/ingest.md, Enrichment, User agent) and runs only the rules that can match, in uap-core's order,
            each the build's precompiled regex (source-generated, native code: docs/decisions/0019). The fallback row is
            the same engine on the runtime's regexes (another regexes.yaml or match timeout: interpreted, compiled once
            the traffic has paid for it); the reference tries every rule in order, interpreted. Targets for a never-seen
            string: mean ≤ 20 µs, p99 ≤ 200 µs.
            Load average (1 min) before → after the passes below: {load} on 2 cores; wall times scale with it, thread
            CPU times much less.

            "first pass": a fresh parser in a fresh process (construction, then each string once: every lookup a
            miss, JIT included). "warmed up": the same parser after it has seen the strings {WarmPasses}+ times (its
            fallback's rules the strings reach compiled, the JIT settled), each string once more with the cache bypassed — what a
            never-seen string costs a worker that has been running. "warmed up on the other half": a fresh parser warmed
            up the same way on every other string, measured on the remaining ones — strings it has truly never seen,
            which for the fallback may reach rules its traffic did not and that are therefore still interpreted. Per string: the parsing thread's CPU time (what the string costs the
            worker) and wall time (which on this shared machine also counts waiting for a core); process CPU adds the
            JIT and the background compilation of the fallback's rules, ÷ strings; rules compiled counts those at the row's end
            (the precompiled engine compiles none):

            | engine | construction ms | CPU mean µs | CPU p99 µs | CPU max µs | wall mean µs | wall p99 µs | process CPU µs per string | rules compiled |
            |---|---:|---:|---:|---:|---:|---:|---:|---:|

            """);
        foreach (var c in cold)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"| {c.Engine} | {(double.IsNaN(c.ConstructionMs) ? "" : c.ConstructionMs.ToString("0", CultureInfo.InvariantCulture))} | {c.CpuMeanUs:0.0} | {c.CpuP99Us:0} | {c.CpuMaxUs:0} | {c.MeanUs:0.0} | {c.P99Us:0} | {c.ProcessCpuUs:0.0} | {c.Compiled} |\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"""

            BenchmarkDotNet {(quick ? "quick smoke job" : "ShortRun job")}, in-process, one thread, steady state (the
            engine has seen these strings a few times and compiled its rules; "never seen" bypasses the cache);
            one operation = one user agent:

            | benchmark | µs per user agent | user agents/s per core | allocated B per user agent |
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

            var alloc = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            sb.Append(CultureInfo.InvariantCulture,
                $"| {name} | {stats.Mean / 1000:0.00} | {1e9 / stats.Mean:N0} | {alloc?.ToString(CultureInfo.InvariantCulture) ?? "?"} |\n");
        }

        return sb.Append('\n').ToString();
    }

    private sealed record ColdResult(
        string Engine, double ConstructionMs, double MeanUs, double P99Us, double CpuMeanUs, double CpuP99Us, double CpuMaxUs, double ProcessCpuUs, long Compiled);

    private const int WarmPasses = 20;

    /// <summary>Runs the strings through the engine until its rules are compiled and no compilation is pending.</summary>
    internal static void WarmUp(UserAgentParser parser, string[] agents)
    {
        var stable = 0;
        for (var pass = 0; pass < 300 && (pass < WarmPasses || stable < 3); pass++)
        {
            var before = parser.Promoter?.Promoted ?? 0;
            foreach (var agent in agents)
            {
                parser.Resolve(agent);
            }

            while (parser.Promoter is { Pending: > 0 })
            {
                Thread.Sleep(20);
            }

            stable = (parser.Promoter?.Promoted ?? 0) == before ? stable + 1 : 0;
        }
    }

    private static IEnumerable<ColdResult> Cold(string[] agents, bool prefilter, bool precompiled)
    {
        var engine = (prefilter, precompiled) switch
        {
            (true, true) => "prefiltered engine",
            (true, false) => "prefiltered engine, rules not precompiled (fallback)",
            _ => "reference: every rule in order, interpreted",
        };
        var clock = Stopwatch.StartNew();
        var parser = new UserAgentParser(EnrichmentFixture.DataFile("regexes.yaml"), UserAgentOptions.DefaultCacheBytes, MaxLength, null, prefilter, precompiled: precompiled);
        var construction = clock.Elapsed.TotalMilliseconds;
        yield return Pass(engine + ", first pass", construction, agents, parser, cached: true);
        WarmUp(parser, agents);
        yield return Pass(engine + ", warmed up", double.NaN, agents, parser, cached: false);
        if (prefilter)
        {
            // Rules are compiled once the traffic reaches them: a string unlike the traffic so far may reach rules
            // still interpreted. A parser warmed on every other string, measured on the rest.
            var half = new UserAgentParser(EnrichmentFixture.DataFile("regexes.yaml"), UserAgentOptions.DefaultCacheBytes, MaxLength, null, prefilter, precompiled: precompiled);
            WarmUp(half, [.. agents.Where((_, i) => i % 2 == 0)]);
            yield return Pass(engine + ", warmed up on the other half", double.NaN, [.. agents.Where((_, i) => i % 2 == 1)], half, cached: false);
        }
    }

    private static ColdResult Pass(string engine, double construction, string[] agents, UserAgentParser parser, bool cached)
    {
        var wall = new double[agents.Length];
        var cpu = new double[agents.Length];
        var process = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < agents.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var cpuStart = ThreadCpu.NowNanoseconds();
            _ = cached ? parser.Parse(agents[i].AsSpan()) : parser.Resolve(agents[i]);
            cpu[i] = (ThreadCpu.NowNanoseconds() - cpuStart) / 1000.0;
            wall[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        // Process CPU includes the background compilation of hot rules (and the JIT), on the other core.
        var processUs = (Process.GetCurrentProcess().TotalProcessorTime - process).TotalMicroseconds / agents.Length;
        Array.Sort(wall);
        Array.Sort(cpu);
        return new ColdResult(engine, construction, wall.Average(), P99(wall), cpu.Average(), P99(cpu), cpu[^1], processUs, parser.Promoter?.Promoted ?? 0);
    }

    internal static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static double P99(double[] sorted) => sorted[(int)Math.Ceiling(sorted.Length * 0.99) - 1];
}
