namespace LogPipeline.Bench.Measurement;

/// <summary>One tool on one workload.</summary>
public sealed record RunResult(
    string Tool,
    string Workload,
    int Expected,
    long Distinct,
    long Received,
    double CpuSeconds,
    double PeakRssMb,
    double DeliverSeconds,
    string? Unavailable = null,
    string? Note = null)
{
    public long Lost => Expected - Distinct;

    public long Duplicated => Received - Distinct;

    public double LostPercent => Expected == 0 ? 0 : 100.0 * Lost / Expected;

    public bool Available => Unavailable is null;

    public static RunResult NotAvailable(string tool, string workload, int expected, string why) =>
        new(tool, workload, expected, 0, 0, 0, 0, 0, why);
}
