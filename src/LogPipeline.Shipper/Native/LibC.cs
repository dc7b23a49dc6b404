using System.Runtime.InteropServices;

namespace LogPipeline.Shipper.Native;

/// <summary>
/// The few Linux calls .NET does not expose: device+inode (statx has one layout on every architecture,
/// unlike struct stat), signals for the writer, inotify, and fsync of a directory.
/// </summary>
internal static unsafe partial class LibC
{
    public const int SIGUSR1 = 10;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const uint StatxBtime = 0x800;

    public const int ORdOnly = 0;
    public const int OCloExec = 0x80000;
    public const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxRaw(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int OpenRaw(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    public static partial int InotifyInit1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "inotify_rm_watch", SetLastError = true)]
    public static partial int InotifyRmWatch(int fd, int wd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>Device and inode of a path (following symlinks), or null when it does not exist.</summary>
    public static FileStatus? StatPath(string path)
    {
        var buffer = stackalloc byte[256];
        return Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) == 0 ? Decode(buffer) : null;
    }

    /// <summary>Device, inode and size of an open descriptor.</summary>
    public static FileStatus StatHandle(SafeHandle handle)
    {
        var buffer = stackalloc byte[256];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var fd = (int)handle.DangerousGetHandle();
            if (Statx(fd, string.Empty, AtEmptyPath, StatxBasicStats, buffer) != 0)
            {
                throw new IOException($"statx(fd {fd}) failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return Decode(buffer);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Device, inode and birth time (0 where the filesystem has none) of a raw descriptor, without
    /// allocating: for the inotify thread, which must stay cheap.
    /// </summary>
    public static bool TryStatFd(int fd, out FileStatus status, out long birthNs)
    {
        var buffer = stackalloc byte[256];
        byte empty = 0;
        if (StatxRaw(fd, &empty, AtEmptyPath, StatxBasicStats | StatxBtime, buffer) != 0)
        {
            status = default;
            birthNs = 0;
            return false;
        }

        status = Decode(buffer);
        // struct statx: stx_mask @0 says whether stx_btime (@80 sec, @88 nsec) was filled in.
        birthNs = (*(uint*)buffer & StatxBtime) != 0 ? (*(long*)(buffer + 80) * 1_000_000_000) + *(uint*)(buffer + 88) : 0;
        return true;
    }

    /// <summary>Makes a rename inside <paramref name="directory"/> durable.</summary>
    public static void FsyncDirectory(string directory)
    {
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return; // Best effort: the data file itself was fsynced before the rename.
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    private static FileStatus Decode(byte* b)
    {
        // struct statx: stx_ino @32, stx_size @40, stx_mtime @112 (+ nsec @120), stx_dev_major @136, stx_dev_minor @140.
        var inode = *(ulong*)(b + 32);
        var size = *(long*)(b + 40);
        var mtimeMs = (*(long*)(b + 112) * 1000) + (*(uint*)(b + 120) / 1_000_000);
        var major = *(uint*)(b + 136);
        var minor = *(uint*)(b + 140);
        // glibc's makedev encoding, so the number equals `stat -c %d`.
        var device = ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
                     | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
        return new FileStatus(device, inode, size, mtimeMs);
    }
}

/// <summary>What the tailer needs from stat: identity (device+inode), size and modification time.</summary>
internal readonly record struct FileStatus(ulong Device, ulong Inode, long Size, long MtimeUnixMs)
{
    public bool SameFile(FileStatus other) => Device == other.Device && Inode == other.Inode;
}
