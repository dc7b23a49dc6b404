using System.Diagnostics;

namespace LogPipeline.Bench.Workloads;

/// <summary>
/// Writes a workload's lines to the access log at its rate and rotates the file the way nginx + logrotate
/// would. Runs on its own dedicated thread; <see cref="Written"/> is read by the progress printer.
/// Every loop is bounded by the line count.
/// </summary>
public sealed class LogWriter
{
    private readonly WorkloadSpec _spec;
    private readonly string _path;
    private long _written;
    private int _reopenRequested;

    public LogWriter(WorkloadSpec spec, string path)
    {
        _spec = spec;
        _path = path;
    }

    public long Written => Interlocked.Read(ref _written);

    public int Rotations { get; private set; }

    /// <summary>Asks the writer to reopen the path (what nginx does on SIGUSR1); any thread.</summary>
    public void RequestReopen() => Interlocked.Exchange(ref _reopenRequested, 1);

    /// <summary>Writes every line at once, no rotation: the preloaded-file workload.</summary>
    public static void Preload(string path, int lines)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1 << 20);
        for (var seq = 0L; seq < lines; seq++)
        {
            fs.Write(LineGenerator.LineBytes(seq));
        }
    }

    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        var fs = Open();
        var batch = new MemoryStream(1 << 16);
        long fileBytes = 0;
        long? reopenAtTicks = null;
        var clock = Stopwatch.StartNew();
        var seq = 0L;
        try
        {
            while (seq < _spec.Lines && !ct.IsCancellationRequested)
            {
                var due = Math.Min(_spec.Lines, (long)(clock.Elapsed.TotalSeconds * _spec.LinesPerSecond) + 1);
                if (reopenAtTicks is { } at && clock.ElapsedTicks >= at)
                {
                    // Lines of the delay went to the renamed file; the new file starts empty.
                    fs.Dispose();
                    fs = Open();
                    reopenAtTicks = null;
                    fileBytes = 0;
                }

                if (Interlocked.Exchange(ref _reopenRequested, 0) == 1)
                {
                    fs.Dispose();
                    fs = Open();
                    fileBytes = 0;
                }

                if (seq >= due)
                {
                    Thread.Sleep(1);
                    continue;
                }

                while (seq < due)
                {
                    var line = LineGenerator.LineBytes(seq);
                    batch.Write(line);
                    fileBytes += line.Length;
                    seq++;
                    if (fileBytes >= _spec.RotateBytes && reopenAtTicks is null && RotatesItself)
                    {
                        Flush(fs, batch);
                        Interlocked.Exchange(ref _written, seq);
                        fs = Rotate(fs, clock, ref reopenAtTicks);
                        fileBytes = 0;
                        Rotations++;
                    }
                }

                Flush(fs, batch);
                Interlocked.Exchange(ref _written, seq);
            }
        }
        finally
        {
            fs.Dispose();
        }
    }

    private bool RotatesItself => _spec.Rotation is RotationMode.Rename or RotationMode.RenameDelayedReopen or RotationMode.CopyTruncate;

    private FileStream Rotate(FileStream fs, Stopwatch clock, ref long? reopenAtTicks)
    {
        var old = _path + ".1";
        switch (_spec.Rotation)
        {
            case RotationMode.Rename:
                File.Move(_path, old, overwrite: true);
                fs.Dispose();
                return Open();
            case RotationMode.RenameDelayedReopen:
                // Like nginx between logrotate's rename and the SIGUSR1: lines keep landing in the renamed file.
                File.Move(_path, old, overwrite: true);
                reopenAtTicks = clock.ElapsedTicks + (long)(_spec.ReopenDelay.TotalSeconds * Stopwatch.Frequency);
                return fs;
            case RotationMode.CopyTruncate:
                // The writer is this thread, so nothing is written between copy and truncate: no loss by construction.
                CopyLikeLogrotate(_path, old);
                fs.SetLength(0);
                return fs;
            default:
                return fs;
        }
    }

    /// <summary>
    /// Replaces <paramref name="to"/> with a copy of <paramref name="from"/> as logrotate does (unlink, create, copy).
    /// Not File.Copy: .NET opens its destination with an exclusive advisory lock, which fails while a .NET reader
    /// (our shipper) holds the old copy open — a lock logrotate, a C program, never takes.
    /// </summary>
    private static void CopyLikeLogrotate(string from, string to)
    {
        File.Delete(to);
        using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var target = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        source.CopyTo(target);
    }

    /// <summary>Opens at the end like O_APPEND would, but not FileMode.Append, which refuses to truncate old content.</summary>
    private FileStream Open()
    {
        var fs = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        fs.Seek(0, SeekOrigin.End);
        return fs;
    }

    private static void Flush(FileStream fs, MemoryStream batch)
    {
        if (batch.Length == 0)
        {
            return;
        }

        fs.Write(batch.GetBuffer(), 0, (int)batch.Length);
        batch.SetLength(0);
    }
}
