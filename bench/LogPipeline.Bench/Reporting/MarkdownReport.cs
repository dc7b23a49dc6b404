using System.Globalization;
using System.Text;
using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Reporting;

/// <summary>Renders the results as markdown tables (console, bench/results/quick.md, docs/benchmarks.md).</summary>
public static class MarkdownReport
{
    public const string LimitTool = "client limit";

    public static string ShipperTables(IReadOnlyList<WorkloadSpec> workloads, IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        foreach (var w in workloads)
        {
            var rows = results.Where(r => r.Workload == w.Name).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            var limit = rows.FirstOrDefault(r => r.Tool == LimitTool && r.Available);
            sb.Append(CultureInfo.InvariantCulture, $"#### {w.Name}: {w.Describe()}\n\n");
            sb.Append("| tool | lost | duplicated | CPU s | peak RSS MB | time to deliver s | CPU ÷ limit | time ÷ limit |\n");
            sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var r in rows)
            {
                if (!r.Available)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"| {r.Tool} | not available: {Escape(r.Unavailable!)} | | | | | | |\n");
                    continue;
                }

                var cpuRatio = limit is null || limit.CpuSeconds <= 0 ? "–" : F(r.CpuSeconds / limit.CpuSeconds, "0.00") + "×";
                var timeRatio = limit is null || limit.DeliverSeconds <= 0 || r.Lost > 0 ? "–" : F(r.DeliverSeconds / limit.DeliverSeconds, "0.00") + "×";
                var lost = r.Lost == 0 ? "0" : $"{r.Lost:N0} ({F(r.LostPercent, "0.#")}%)";
                sb.Append(CultureInfo.InvariantCulture,
                    $"| {r.Tool} | {lost} | {r.Duplicated:N0} | {F(r.CpuSeconds, "0.00")} | {F(r.PeakRssMb, "0.0")} | {F(r.DeliverSeconds, "0.00")} | {cpuRatio} | {timeRatio} |\n");
            }

            foreach (var r in rows.Where(r => r.Note is not null))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n{r.Tool}: {r.Note}\n");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    public static string Machine()
    {
        var sb = new StringBuilder("| | |\n|---|---|\n");
        foreach (var (k, v) in MachineInfo.Describe())
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {k} | {Escape(v)} |\n");
        }

        return sb.ToString();
    }

    public static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    public static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
