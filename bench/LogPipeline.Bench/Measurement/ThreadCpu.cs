using System.Runtime.InteropServices;

namespace LogPipeline.Bench.Measurement;

/// <summary>
/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): unlike wall time it does not count the time the
/// thread waited for a core, which on this shared 2-core machine is most of a wall-clock tail.
/// </summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    public static long NowNanoseconds()
    {
        if (ClockGetTime(ClockThreadCpuTime, out var ts) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);
}
