using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// Wakes the tail loop when anything happens in the log directory (write, create, rename, delete), via
/// inotify directly: one blocking thread, one syscall per batch of events, no per-event objects — a
/// FileSystemWatcher would allocate for each of tens of thousands of writes per second.
/// The directory may vanish and come back: the tail loop calls <see cref="EnsureWatching"/> on every
/// pass and the watch is re-added. If inotify is unavailable the loop still polls.
/// It also opens the followed file the moment it is created: under heavy rotation (a 50 KB file lives a
/// few milliseconds at 50k lines/s) a busy tail loop could otherwise meet a file only after the next
/// rotation deleted it. The descriptors go to the tail loop through <see cref="_created"/>.
/// Threads: <see cref="EnsureWatching"/> and <see cref="TryTakeCreated"/> are called by the tail loop;
/// the reader thread reads the inotify fd and opens created files.
/// </summary>
internal sealed unsafe class InotifyWatcher : IDisposable
{
    private const uint InModify = 0x2;
    private const uint InAttrib = 0x4;
    private const uint InCloseWrite = 0x8;
    private const uint InMovedFrom = 0x40;
    private const uint InMovedTo = 0x80;
    private const uint InCreate = 0x100;
    private const uint InDelete = 0x200;
    private const uint InDeleteSelf = 0x400;
    private const uint InMoveSelf = 0x800;
    private const uint InIgnored = 0x8000;
    private const int InNonBlock = 0x800;
    private const int InCloExec = 0x80000;

    private readonly Action _onEvent;
    private readonly byte[] _fileName;
    private readonly ConcurrentQueue<SafeFileHandle> _created = new();
    private readonly int _fd;
    private readonly Thread? _thread;
    private volatile int _wd = -1;
    private volatile bool _disposed;
    private volatile string? _directory;

    public InotifyWatcher(string fileName, Action onEvent)
    {
        _onEvent = onEvent;
        _fileName = Encoding.UTF8.GetBytes(fileName);
        _fd = LibC.InotifyInit1(InNonBlock | InCloExec);
        if (_fd >= 0)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "inotify" };
            _thread.Start();
        }
    }

    public bool Available => _fd >= 0;

    public bool Watching => _wd >= 0;

    /// <summary>A descriptor of the followed file opened right at its creation, oldest first.</summary>
    public bool TryTakeCreated([NotNullWhen(true)] out SafeFileHandle? handle) => _created.TryDequeue(out handle);

    /// <summary>(Re-)adds the watch on <paramref name="directory"/> if it is not in place.</summary>
    public void EnsureWatching(string directory)
    {
        if (_fd < 0 || (_wd >= 0 && directory == _directory))
        {
            return;
        }

        _directory = directory;
        _wd = LibC.InotifyAddWatch(
            _fd, directory, InModify | InAttrib | InCloseWrite | InMovedFrom | InMovedTo | InCreate | InDelete | InDeleteSelf | InMoveSelf);
    }

    public void Dispose()
    {
        _disposed = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
        if (_fd >= 0)
        {
            _ = LibC.Close(_fd);
        }

        while (_created.TryDequeue(out var handle))
        {
            handle.Dispose();
        }
    }

    private void OpenCreated()
    {
        if (_directory is not { } directory)
        {
            return;
        }

        try
        {
            var path = System.IO.Path.Combine(directory, Encoding.UTF8.GetString(_fileName));
            _created.Enqueue(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone again already: the tail loop's own stat of the path decides what to follow.
        }
    }

    private void Run()
    {
        var buffer = new byte[4096];
        fixed (byte* p = buffer)
        {
            var pfd = new LibC.PollFd { Fd = _fd, Events = 1 /* POLLIN */ };
            while (!_disposed)
            {
                // A bounded wait so Dispose is noticed; events wake it immediately.
                if (LibC.Poll(&pfd, 1, 200) <= 0)
                {
                    continue;
                }

                var n = LibC.Read(_fd, p, (nuint)buffer.Length);
                if (n <= 0)
                {
                    continue;
                }

                // struct inotify_event { int wd; uint32 mask; uint32 cookie; uint32 len; char name[len]; }
                for (var offset = 0; offset + 16 <= n;)
                {
                    var wd = *(int*)(p + offset);
                    var mask = *(uint*)(p + offset + 4);
                    var len = *(uint*)(p + offset + 12);
                    if ((mask & (InCreate | InMovedTo)) != 0 && len > 0
                        && new ReadOnlySpan<byte>(p + offset + 16, (int)len).TrimEnd((byte)0).SequenceEqual(_fileName))
                    {
                        OpenCreated();
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

                _onEvent();
            }
        }
    }
}
