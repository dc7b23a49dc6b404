using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Workloads;
using ScottPlot;

namespace LogPipeline.Bench.Reporting;

/// <summary>PNG bar charts (ScottPlot) of lines lost and CPU seconds per tool, grouped by workload.</summary>
public static class Charts
{
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<WorkloadSpec> workloads, IReadOnlyList<RunResult> results)
    {
        Directory.CreateDirectory(directory);
        var loss = Path.Combine(directory, "shipper-loss.png");
        var cpu = Path.Combine(directory, "shipper-cpu.png");
        Grouped(loss, "Lines lost (% of lines written; lower is better)", "% lost", workloads, results, r => r.LostPercent);
        Grouped(cpu, "CPU seconds of the tool's process tree (lower is better)", "CPU s", workloads, results, r => r.CpuSeconds);
        return [loss, cpu];
    }

    private static void Grouped(
        string path, string title, string yLabel, IReadOnlyList<WorkloadSpec> workloads, IReadOnlyList<RunResult> results, Func<RunResult, double> value)
    {
        var tools = results.Select(r => r.Tool).Distinct().ToList();
        var shown = workloads.Where(w => results.Any(r => r.Workload == w.Name)).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new Plot();
        var bars = new List<Bar>();
        const double groupWidth = 0.8;
        var barWidth = groupWidth / Math.Max(1, tools.Count);
        for (var g = 0; g < shown.Count; g++)
        {
            for (var t = 0; t < tools.Count; t++)
            {
                var r = results.FirstOrDefault(x => x.Workload == shown[g].Name && x.Tool == tools[t] && x.Available);
                if (r is null)
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = g - (groupWidth / 2) + (barWidth * (t + 0.5)),
                    Value = value(r),
                    Size = barWidth * 0.9,
                    FillColor = palette.GetColor(t),
                });
            }
        }

        plot.Add.Bars(bars);
        for (var t = 0; t < tools.Count; t++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = tools[t], FillColor = palette.GetColor(t) });
        }

        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, shown.Count).Select(i => (double)i)], [.. shown.Select(w => w.Name)]);
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.SavePng(path, 1100, 480);
    }
}
