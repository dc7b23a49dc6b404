namespace LogPipeline.Bench.Workloads;

/// <summary>The workloads of the quick (CI smoke) and full runs.</summary>
public static class Suites
{
    public static IReadOnlyList<WorkloadSpec> Quick { get; } =
    [
        new("rotate-2k", 6_000, 2_000, RotationMode.Rename),
        new("rotate-10k", 20_000, 10_000, RotationMode.Rename),
    ];

    public static IReadOnlyList<WorkloadSpec> Full { get; } =
    [
        new("rotate-2k", 12_000, 2_000, RotationMode.Rename),
        new("rotate-10k", 100_000, 10_000, RotationMode.Rename),
        // A minute at the same rate: peak RSS after the GC and librdkafka have settled, not just the first 10 s.
        new("soak-10k", 600_000, 10_000, RotationMode.Rename),
        new("rotate-50k", 200_000, 50_000, RotationMode.Rename),
        new("reopen-delay", 60_000, 10_000, RotationMode.RenameDelayedReopen, ReopenDelay: TimeSpan.FromMilliseconds(50)),
        new("copytruncate", 60_000, 10_000, RotationMode.CopyTruncate),
        new("preloaded-1M", 1_000_000, 0, RotationMode.None),
        new("brokers-down", 60_000, 10_000, RotationMode.Rename, OutageAt: TimeSpan.FromSeconds(2), OutageFor: TimeSpan.FromSeconds(5)),
        new("builtin-rotate", 60_000, 10_000, RotationMode.BuiltIn),
    ];
}
