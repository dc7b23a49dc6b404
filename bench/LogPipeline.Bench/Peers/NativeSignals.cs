using System.Runtime.InteropServices;

namespace LogPipeline.Bench.Peers;

internal static partial class NativeSignals
{
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
