using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// Wakes the tail loop when anything happens in the log directory, via inotify directly: one blocking
/// thread, one syscall per batch of events, no per-event objects (a FileSystemWatcher would allocate for
/// each of tens of thousands of writes per second).
/// <para>
/// It also opens every file of the rotation chain (<c>path.Keep</c> … <c>path.1</c>, <c>path</c>) it
/// has not opened before, on every batch that contains a create/rename/delete (or a queue overflow).
/// Under heavy external rotation a 50 KB file lives a few milliseconds at 50k lines/s, first as
/// <c>path</c>, then as <c>path.1</c>, until the next rename deletes it. Opening at any moment of that
/// whole lifetime keeps its data reachable through the descriptor; a tail loop that is busy (or a
/// thread starved by a loaded machine) would otherwise meet some files only after they were gone.
/// The thread therefore asks for a higher scheduling priority (nice -10; allowed as root or with
/// CAP_SYS_NICE, silently ignored otherwise) and does no allocation or logging per event.
/// </para>
/// Threads: <see cref="EnsureWatching"/> and <see cref="TryTakeOpened"/> are called by the tail loop;
/// the reader thread owns the inotify fd, the candidate paths and the set of files already handed over.
/// </summary>
internal sealed unsafe class InotifyWatcher : IOpenedFiles
{
    private const uint InModify = 0x2;
    private const uint InMovedFrom = 0x40;
    private const uint InMovedTo = 0x80;
    private const uint InCreate = 0x100;
    private const uint InDelete = 0x200;
    private const uint InDeleteSelf = 0x400;
    private const uint InMoveSelf = 0x800;
    private const uint InQOverflow = 0x4000;
    private const uint InIgnored = 0x8000;
    private const uint Structural = InMovedFrom | InMovedTo | InCreate | InDelete | InQOverflow;
    private const int InNonBlock = 0x800;
    private const int InCloExec = 0x80000;

    /// <summary>Files handed over recently; a file lives in the chain for Keep+1 rotations at most.</summary>
    private const int SeenCapacity = 64;

    private readonly Action _onEvent;

    /// <summary>NUL-terminated UTF-8 paths, oldest sibling first, the live path last.</summary>
    private readonly byte[][] _candidates;

    private readonly (ulong Device, ulong Inode, long Birth)[] _seen = new (ulong, ulong, long)[SeenCapacity];
    private readonly ConcurrentQueue<SafeFileHandle> _opened = new();
    private readonly int _fd;
    private readonly Thread? _thread;
    /// <summary>UTF-8 file names of the chain (no directory, no NUL), to recognise its IN_CREATE events.</summary>
    private readonly byte[][] _names;

    /// <summary>
    /// Wall-clock ns when watching began, less a slack: file birth times come from the kernel's coarse clock,
    /// a few ms behind, and a file created right after the watch began must still count as announced by its
    /// create event. (The slack can only hide a miss, never invent one.)
    /// </summary>
    private readonly long _startNs = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100) * 1_000_000;

    private int _seenNext;

    // Reader thread only: chain files created (IN_CREATE) since watching began, and those of them opened.
    private long _created;
    private long _openedNewborn;

    /// <summary>Published by the reader thread after each scan; read by the tail loop.</summary>
    private long _missed;
    private volatile int _wd = -1;
    private volatile bool _disposed;
    private volatile bool _rescan;
    private volatile string? _directory;

    public InotifyWatcher(string path, int keep, Action onEvent)
    {
        _onEvent = onEvent;
        _candidates = new byte[Math.Max(1, keep) + 1][];
        _names = new byte[_candidates.Length][];
        for (var k = Math.Max(1, keep); k >= 0; k--)
        {
            var name = k == 0 ? path : $"{path}.{k.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            _candidates[_candidates.Length - 1 - k] = Encoding.UTF8.GetBytes(name + "\0");
            _names[_candidates.Length - 1 - k] = Encoding.UTF8.GetBytes(System.IO.Path.GetFileName(name));
        }

        _fd = LibC.InotifyInit1(InNonBlock | InCloExec);
        if (_fd >= 0)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "inotify" };
            _thread.Start();
        }
    }

    public bool Available => _fd >= 0;

    /// <summary>
    /// Chain files that were created and gone (renamed over or deleted) before they could be opened: their
    /// lines are lost, and this makes that loss visible instead of silent. It needs the kernel's file birth
    /// time (statx btime; tmpfs and ext4 have it) to tell new files from old ones; without it this stays 0.
    /// Any thread may read it.
    /// </summary>
    public long MissedFiles => Volatile.Read(ref _missed);

    /// <summary>Tests only: while set, the reader thread leaves events queued in the kernel (as a starved thread would).</summary>
    internal volatile bool Paused;

    public bool Watching => _wd >= 0;

    /// <summary>Whether the thread got its higher priority (for the start-up log).</summary>
    public bool Prioritised { get; private set; }

    /// <summary>A descriptor of a chain file opened by the watcher, in the order they were opened.</summary>
    public bool TryTakeOpened([NotNullWhen(true)] out SafeFileHandle? handle) => _opened.TryDequeue(out handle);

    /// <summary>(Re-)adds the watch on <paramref name="directory"/> if it is not in place.</summary>
    public void EnsureWatching(string directory)
    {
        if (_fd < 0 || (_wd >= 0 && directory == _directory))
        {
            return;
        }

        _directory = directory;
        _wd = LibC.InotifyAddWatch(_fd, directory, InModify | Structural | InDeleteSelf | InMoveSelf);
        if (_wd >= 0)
        {
            _rescan = true; // Files may have appeared while the directory was not watched.
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
        if (_fd >= 0)
        {
            _ = LibC.Close(_fd);
        }

        while (_opened.TryDequeue(out var handle))
        {
            handle.Dispose();
        }
    }

    /// <summary>Opens each chain file not handed over yet (reader thread).</summary>
    private void Scan()
    {
        foreach (var candidate in _candidates)
        {
            int fd;
            fixed (byte* p = candidate)
            {
                fd = LibC.OpenRaw(p, LibC.ORdOnly | LibC.OCloExec);
            }

            if (fd < 0)
            {
                continue; // Not there (yet or any more).
            }

            if (!LibC.TryStatFd(fd, out var status, out var birth) || Seen(status, birth))
            {
                _ = LibC.Close(fd);
                continue;
            }

            _seen[_seenNext] = (status.Device, status.Inode, birth);
            _seenNext = (_seenNext + 1) % SeenCapacity;
            if (birth >= _startNs)
            {
                _openedNewborn++;
            }
            _opened.Enqueue(new SafeFileHandle(fd, ownsHandle: true));
        }
    }

    private bool IsChainName(ReadOnlySpan<byte> name)
    {
        name = name.TrimEnd((byte)0);
        foreach (var candidate in _names)
        {
            if (name.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private bool Seen(FileStatus status, long birth)
    {
        foreach (var (device, inode, seenBirth) in _seen)
        {
            if (inode == status.Inode && device == status.Device && seenBirth == birth)
            {
                return true;
            }
        }

        return false;
    }

    private void Run()
    {
        // Best effort: a higher priority keeps this thread responsive when the machine is overloaded.
        Prioritised = LibC.SetPriority(LibC.PrioProcess, LibC.GetTid(), -10) == 0;
        var buffer = new byte[64 * 1024];
        fixed (byte* p = buffer)
        {
            var pfd = new LibC.PollFd { Fd = _fd, Events = 1 /* POLLIN */ };
            while (!_disposed)
            {
                if (Paused)
                {
                    Thread.Sleep(1);
                    continue;
                }

                // A bounded wait so Dispose is noticed; events wake it immediately.
                var ready = LibC.Poll(&pfd, 1, 200) > 0;
                if (Paused)
                {
                    continue; // Leave what arrived in the kernel queue (tests).
                }

                var structural = false;
                if (ready)
                {
                    var n = LibC.Read(_fd, p, (nuint)buffer.Length);
                    // struct inotify_event { int wd; uint32 mask; uint32 cookie; uint32 len; char name[len]; }
                    for (var offset = 0; offset + 16 <= n;)
                    {
                        var wd = *(int*)(p + offset);
                        var mask = *(uint*)(p + offset + 4);
                        var len = *(uint*)(p + offset + 12);
                        structural |= (mask & Structural) != 0;
                        if ((mask & InCreate) != 0 && len > 0 && IsChainName(new ReadOnlySpan<byte>(p + offset + 16, (int)len)))
                        {
                            _created++;
                        }
                        if ((mask & (InIgnored | InDeleteSelf | InMoveSelf)) != 0 && wd == _wd)
                        {
                            _wd = -1; // The directory went away: re-added when it exists again.
                            if ((mask & InIgnored) == 0)
                            {
                                _ = LibC.InotifyRmWatch(_fd, wd);
                            }
                        }

                        offset += 16 + (int)len;
                    }
                }

                if (structural || _rescan)
                {
                    _rescan = false;
                    Scan();
                    // Every create event read so far has been followed by a scan: what it did not find is gone.
                    if (_openedNewborn > 0 || _created > 0)
                    {
                        Volatile.Write(ref _missed, Math.Max(Volatile.Read(ref _missed), _created - _openedNewborn));
                    }
                }

                if (ready)
                {
                    _onEvent();
                }
            }
        }
    }
}
