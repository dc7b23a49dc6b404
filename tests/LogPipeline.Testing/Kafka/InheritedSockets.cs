using System.Runtime.InteropServices;

namespace LogPipeline.Testing.Kafka;

/// <summary>
/// Keeps the mock cluster's broker-side sockets out of the child processes a test starts. librdkafka's mock
/// accepts client connections with a plain <c>accept()</c> (rdkafka_mock.c; its listeners use SOCK_CLOEXEC, the
/// accepted sockets do not), and .NET's Process.Start closes nothing in the child but close-on-exec descriptors.
/// So every nginx or worker started after a client connected holds a copy of that connection's broker end. When
/// the test sets the broker down, the mock closes its copy, but the socket stays open in the child: the client
/// gets no FIN, its requests are accepted by the kernel and never answered. A broker process that dies cannot
/// do that (its kernel closes the sockets); what it models is a network partition, with the recovery time of
/// <c>socket.timeout.ms</c> — not what the outage tests mean to model. Call <see cref="MarkCloseOnExec"/>
/// right before starting a child process.
/// </summary>
public static partial class InheritedSockets
{
    private const int FGetFd = 1;
    private const int FSetFd = 2;
    private const int FdCloexec = 1;

    /// <summary>
    /// Sets FD_CLOEXEC on every socket descriptor of this process (Linux; elsewhere a no-op). A connection the mock
    /// accepts between this call and the fork can still leak: callers mark right before Process.Start.
    /// </summary>
    /// <returns>How many descriptors were marked (were inheritable until now).</returns>
    public static int MarkCloseOnExec()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var marked = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var fd))
            {
                continue;
            }

            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue; // Closed since the listing (the descriptor of the listing itself, or a racing close).
            }

            if (target is null || !target.StartsWith("socket:", StringComparison.Ordinal))
            {
                continue;
            }

            var flags = Fcntl(fd, FGetFd, 0);
            if (flags >= 0 && (flags & FdCloexec) == 0 && Fcntl(fd, FSetFd, flags | FdCloexec) == 0)
            {
                marked++;
            }
        }

        return marked;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
