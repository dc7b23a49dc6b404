using System.Text;
using LogPipeline.Bench.Ingest;
using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Reporting;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Tests;

/// <summary>The harness's own parts: if they are wrong, every number in docs/benchmarks.md is wrong.</summary>
public sealed class HarnessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lpbench-tests-" + Guid.NewGuid().ToString("N"));

    public HarnessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(999_999L)]
    public void Lines_are_combined_sized_and_carry_their_sequence_number(long seq)
    {
        var line = LineGenerator.LineBytes(seq);
        Assert.InRange(line.Length, 150, 230);
        Assert.Equal((byte)'\n', line[^1]);
        Assert.Matches("^\\d+\\.\\d+\\.\\d+\\.\\d+ - - \\[[^\\]]+\\] \"GET \\S+ HTTP/1\\.1\" \\d{3} \\d+ \"[^\"]*\" \"[^\"]*\"\n$", Encoding.ASCII.GetString(line));
        Assert.Equal(seq, LineGenerator.ParseSeq(line));
        Assert.Equal(-1, LineGenerator.ParseSeq("no number here"u8));
    }

    [Theory]
    [InlineData(RotationMode.Rename)]
    [InlineData(RotationMode.CopyTruncate)]
    public async Task Writer_rotates_at_the_threshold_and_keeps_one_old_file(RotationMode mode)
    {
        var path = Path.Combine(_dir, "access.log");
        var spec = new WorkloadSpec("t", 3_000, 200_000, mode, RotateBytes: 20_000);
        var writer = new LogWriter(spec, path);
        await writer.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3_000, writer.Written);
        Assert.InRange(writer.Rotations, 3_000 * 180 / 20_000 / 2, 3_000 * 230 / 20_000);
        Assert.False(File.Exists(path + ".2"));
        Assert.InRange(new FileInfo(path + ".1").Length, 20_000, 20_000 + 230);
        var kept = Seqs(path + ".1").Concat(Seqs(path)).ToList();
        Assert.Equal(2_999, kept[^1]);
        Assert.Equal(Enumerable.Range((int)kept[0], kept.Count).Select(i => (long)i), kept);
    }

    [Fact]
    public async Task Copytruncate_works_while_a_reader_holds_the_old_copy_open()
    {
        var path = Path.Combine(_dir, "access.log");
        await new LogWriter(new WorkloadSpec("t", 500, 200_000, RotationMode.CopyTruncate, RotateBytes: 10_000), path)
            .RunAsync(TestContext.Current.CancellationToken);
        using var holder = new FileStream(path + ".1", FileMode.Open, FileAccess.Read, FileShare.Read);
        var writer = new LogWriter(new WorkloadSpec("t", 500, 200_000, RotationMode.CopyTruncate, RotateBytes: 10_000), path);
        await writer.RunAsync(TestContext.Current.CancellationToken);
        Assert.Equal(500, writer.Written);
        Assert.True(writer.Rotations > 0);
    }

    [Theory]
    [InlineData("long-tail", 5)]
    [InlineData("bot-storm", 20)]
    public void Ingest_workloads_carry_the_stated_share_of_never_seen_user_agents(string name, int percent)
    {
        string[] agents = [.. Enumerable.Range(0, 100).Select(i => $"agent-{i}")];
        var workload = name == "long-tail" ? IngestWorkload.LongTail(agents) : IngestWorkload.BotStorm(agents);
        const int Lines = 20_000;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var firstSeen = 0;
        for (var seq = 0L; seq < Lines; seq++)
        {
            var line = Encoding.ASCII.GetString(workload.Line(seq));
            Assert.Equal(line, Encoding.ASCII.GetString(workload.Line(seq)));
            Assert.Equal(seq, LineGenerator.ParseSeq(workload.Line(seq)));
            var agent = line[(line.LastIndexOf(" \"", line.Length - 2, StringComparison.Ordinal) + 2)..^1];
            if (seen.Add(agent) && agent.Contains("lpbench/", StringComparison.Ordinal))
            {
                firstSeen++;
            }
        }

        // The unique share within a point and a half of the target; the skewed rest reuses the list.
        Assert.InRange(firstSeen * 100.0 / Lines, percent - 1.5, percent + 1.5);
        Assert.InRange(seen.Count - firstSeen, 50, 100);
    }

    [Fact]
    public void Ingest_workload_lines_escape_user_agents_as_nginx_does()
    {
        var workload = IngestWorkload.LongTail(["a\"b\\c é"]);
        var agents = Enumerable.Range(0, 200).Select(seq => Encoding.ASCII.GetString(workload.Line(seq)))
            .Where(l => !l.Contains("lpbench/", StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf(" \"", l.Length - 2, StringComparison.Ordinal) + 2)..^1])
            .Distinct()
            .ToList();

        Assert.Equal(["a\\x22b\\x5Cc \\xC3\\xA9"], agents);
    }

    [Fact]
    public void Process_stats_read_cpu_and_peak_rss_from_proc()
    {
        var stats = new ProcessTreeStats(Environment.ProcessId);
        var spin = System.Diagnostics.Stopwatch.StartNew();
        var x = 0.0;
        while (spin.ElapsedMilliseconds < 100)
        {
            x += Math.Sqrt(x + 1);
        }

        stats.Sample();
        Assert.True(x > 0);
        Assert.InRange(stats.CpuSeconds, 0.01, 10_000);
        Assert.InRange(stats.PeakRssMb, 5, 100_000);
    }

    [Fact]
    public void Report_counts_loss_and_duplicates_and_compares_with_the_limit()
    {
        var w = new WorkloadSpec("rotate-10k", 1_000, 10_000, RotationMode.Rename);
        var results = new List<RunResult>
        {
            new(MarkdownReport.LimitTool, w.Name, 1_000, 1_000, 1_000, 2.0, 70, 1.0),
            new("peer", w.Name, 1_000, 750, 760, 1.0, 9, 1.5),
            RunResult.NotAvailable("gone", w.Name, 1_000, "not installed"),
        };
        Assert.Equal(250, results[1].Lost);
        Assert.Equal(10, results[1].Duplicated);
        var table = MarkdownReport.ShipperTables([w], results);
        Assert.Contains("| peer | 250 (25%) | 10 | 1.00 | 9.0 | 1.50 | 0.50× | – |", table, StringComparison.Ordinal);
        Assert.Contains("| gone | not available: not installed |", table, StringComparison.Ordinal);
    }

    private static List<long> Seqs(string path) =>
        [.. File.ReadAllLines(path).Select(l => LineGenerator.ParseSeq(Encoding.ASCII.GetBytes(l)))];
}
