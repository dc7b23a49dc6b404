using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LogPipeline.Shipper.Tests.Support;

public enum RotationMode
{
    None,

    /// <summary>Rename to .1 (one old file kept), then reopen — what logrotate + nginx do.</summary>
    Rename,

    /// <summary>Copy to .1, truncate the live file in place; the writer keeps its O_APPEND descriptor.</summary>
    CopyTruncate,
}

/// <summary>
/// A writer standing in for nginx: "combined" lines tagged with a unique sequence number, written at a
/// target rate in small bursts (one write per burst, like nginx's buffered access log), rotating every
/// <see cref="RotateBytes"/>.
/// </summary>
internal sealed class GeneratedLog(string path)
{
    public RotationMode Rotation { get; init; } = RotationMode.Rename;

    public int RotateBytes { get; init; } = 50 * 1024;

    /// <summary>Rename variant: keep writing to the renamed file this long before reopening.</summary>
    public TimeSpan WriteAfterRename { get; init; }

    public int Rotations { get; private set; }

    /// <summary>
    /// A file younger than this is not rotated again, even when it is full: it grows on until then. A writer that was
    /// held up (a starved thread) catches up in one burst, and without this it fills and rotates a file twice within a
    /// millisecond, so the first copy exists for less than a millisecond. A rotator like logrotate checks sizes
    /// periodically: a file it rotates has lived at least that period.
    /// </summary>
    public TimeSpan MinRotationInterval { get; init; }

    /// <summary>The shortest time between two rotations (how fast the shipper had to keep up).</summary>
    public TimeSpan ShortestRotationGap { get; private set; } = TimeSpan.MaxValue;

    private TimeSpan _lastRotation;

    /// <summary>Reopens the path before the next write, like nginx after SIGUSR1 (any thread may call it).</summary>
    public void RequestReopen() => Volatile.Write(ref _reopen, 1);

    /// <summary>How many times the writer reopened on request.</summary>
    public int Reopens { get; private set; }

    private int _reopen;

    public TimeSpan Elapsed { get; private set; }

    /// <summary>Lines actually written (the write-after-rename variant may add a few past the count).</summary>
    public long Written { get; private set; }

    public static string Line(long seq) =>
        string.Create(CultureInfo.InvariantCulture,
            $"10.0.{seq % 250}.{seq % 199} - - [26/Nov/2026:10:00:00 +0000] \"GET /item?seq={seq:D8} HTTP/1.1\" 200 {seq % 5000} \"-\" \"gen/1.0\"");

    public static long? Seq(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line);
        var i = text.IndexOf("seq=", StringComparison.Ordinal);
        return i >= 0 && long.TryParse(text.AsSpan(i + 4, 8), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : null;
    }

    /// <summary>Writes lines [first, first+count) at about <paramref name="linesPerSecond"/>.</summary>
    public async Task WriteAsync(long first, long count, int linesPerSecond, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var file = new AppendFile(path);
        long written = 0;
        long inFile = new FileInfo(path).Length;
        var burst = new StringBuilder();
        try
        {
            while (written < count)
            {
                var due = Math.Min(count, (long)(clock.Elapsed.TotalSeconds * linesPerSecond) + 1);
                if (due <= written)
                {
                    await Task.Delay(1, cancellationToken);
                    continue;
                }

                if (Interlocked.Exchange(ref _reopen, 0) == 1)
                {
                    file.Dispose();
                    file = new AppendFile(path);
                    inFile = new FileInfo(path).Length;
                    Reopens++;
                }

                burst.Clear();
                // A file kept past RotateBytes (MinRotationInterval) takes the whole burst.
                var limit = inFile >= RotateBytes ? long.MaxValue : RotateBytes;
                while (written < due && (Rotation == RotationMode.None || inFile + burst.Length < limit))
                {
                    burst.Append(Line(first + written)).Append('\n');
                    written++;
                }

                var bytes = Encoding.ASCII.GetBytes(burst.ToString());
                file.Write(bytes);
                inFile += bytes.Length;
                if (Rotation != RotationMode.None && inFile >= RotateBytes
                    && (Rotations == 0 || clock.Elapsed - _lastRotation >= MinRotationInterval))
                {
                    if (Rotations > 0 && clock.Elapsed - _lastRotation < ShortestRotationGap)
                    {
                        ShortestRotationGap = clock.Elapsed - _lastRotation;
                    }

                    _lastRotation = clock.Elapsed;
                    file = await RotateAsync(file, first + written, cancellationToken);
                    written += _extraWritten;
                    _extraWritten = 0;
                    inFile = Rotation == RotationMode.CopyTruncate ? new FileInfo(path).Length : 0;
                }
            }
        }
        finally
        {
            file.Dispose();
            Elapsed = clock.Elapsed;
            Written = written;
        }
    }

    private long _extraWritten;

    private async Task<AppendFile> RotateAsync(AppendFile file, long nextSeq, CancellationToken cancellationToken)
    {
        Rotations++;
        if (Rotation == RotationMode.CopyTruncate)
        {
            // Like logrotate: the old copy is removed and the new one is a new file (not rewritten in place).
            File.Delete(path + ".1");
            File.Copy(path, path + ".1");
            using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                truncate.SetLength(0);
            }

            return file;
        }

        File.Move(path, path + ".1", overwrite: true);
        if (WriteAfterRename > TimeSpan.Zero)
        {
            // Like an nginx worker that has not processed SIGUSR1 yet: its lines still go to the old file.
            var until = Stopwatch.StartNew();
            while (until.Elapsed < WriteAfterRename)
            {
                file.Write(Encoding.ASCII.GetBytes(Line(nextSeq + _extraWritten) + "\n"));
                _extraWritten++;
                await Task.Delay(5, cancellationToken);
            }
        }

        file.Dispose();
        return new AppendFile(path);
    }
}
