using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>How the generator rotates its file, as logrotate would.</summary>
internal enum RotationMode
{
    /// <summary>Rename <c>access.log</c> → <c>access.log.1</c> (older ones shift, beyond Keep are deleted), create a new file.</summary>
    Rename,

    /// <summary>Copy the file to <c>access.log.1</c>, then truncate it in place (logrotate copytruncate).</summary>
    CopyTruncate,

    /// <summary>Rename, then delete the rotated file at once: its unread tail exists only behind open descriptors.</summary>
    RenameAndDelete,
}

/// <summary>
/// Writes nginx "combined" lines tagged <c>?seq=N</c> at a fixed rate, rotating by size like an external
/// rotator. Used instead of nginx where the test needs more lines per second than HTTP round trips allow.
/// Owned by the one task that runs <see cref="WriteAsync"/>; counters are read by the test thread after it ends.
/// </summary>
internal sealed class AccessLogGenerator(string path, long rotateAtBytes = 0, int keep = 1, RotationMode mode = RotationMode.Rename)
{
    private static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public string Path { get; } = path;

    /// <summary>Sequence ids that reached the file (a write that failed, e.g. disk full, is not counted).</summary>
    public List<int> Written { get; } = [];

    /// <summary>Sequence ids whose write failed (ENOSPC, missing directory).</summary>
    public List<int> Failed { get; } = [];

    public int Rotations { get; private set; }

    /// <summary>One combined line (no newline) carrying <paramref name="seq"/>.</summary>
    public static string Line(int seq)
    {
        var time = Epoch.AddMilliseconds(seq).ToString("dd/MMM/yyyy:HH:mm:ss zz00", CultureInfo.InvariantCulture);
        var ip = $"10.{(seq >> 16) & 0xff}.{(seq >> 8) & 0xff}.{seq & 0xff}";
        var status = seq % 10 == 0 ? 404 : 200;
        return $"{ip} - - [{time}] \"GET /page?seq={seq} HTTP/1.1\" {status} {512 + (seq % 97)} \"-\" " +
               "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\"";
    }

    /// <summary>
    /// Appends lines <paramref name="firstSeq"/> .. <paramref name="firstSeq"/>+<paramref name="count"/>-1 at
    /// <paramref name="linesPerSecond"/> (0 = as fast as possible), rotating whenever the next line would pass
    /// the size limit.
    /// </summary>
    public async Task WriteAsync(int firstSeq, int count, int linesPerSecond, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var next = firstSeq;
        var end = firstSeq + count;
        FileStream? stream = null;
        try
        {
            while (next < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var due = linesPerSecond <= 0 ? end : firstSeq + (int)Math.Min(count, clock.Elapsed.TotalSeconds * linesPerSecond + 1);
                if (due <= next)
                {
                    await Task.Delay(5, cancellationToken);
                    continue;
                }

                for (; next < Math.Min(due, end); next++)
                {
                    var bytes = Encoding.UTF8.GetBytes(Line(next) + "\n");
                    try
                    {
                        stream ??= Open();
                        if (rotateAtBytes > 0 && stream.Length + bytes.Length > rotateAtBytes && stream.Length > 0)
                        {
                            stream = Rotate(stream);
                        }

                        stream.Write(bytes);
                        stream.Flush();
                        Written.Add(next);
                    }
                    catch (IOException)
                    {
                        // Disk full or the directory is gone: nginx would lose this line too. Count it, reopen later.
                        Failed.Add(next);
                        await CloseQuietlyAsync(stream);
                        stream = null;
                    }
                }
            }
        }
        finally
        {
            await CloseQuietlyAsync(stream);
        }
    }

    private FileStream Open()
    {
        // Not FileMode.Append: copytruncate must be able to seek back to 0 after truncating (O_APPEND semantics by hand).
        var s = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        s.Seek(0, SeekOrigin.End);
        return s;
    }

    private FileStream Rotate(FileStream stream)
    {
        Rotations++;
        switch (mode)
        {
            case RotationMode.CopyTruncate:
                stream.Flush();
                CopyShared(Path, Path + ".1");
                stream.SetLength(0);
                stream.Position = 0;
                return stream;
            case RotationMode.RenameAndDelete:
                stream.Dispose();
                File.Move(Path, Path + ".1", overwrite: true);
                File.Delete(Path + ".1");
                return Open();
            default:
                stream.Dispose();
                for (var i = keep; i >= 1; i--)
                {
                    var from = i == 1 ? Path : $"{Path}.{i - 1}";
                    if (File.Exists(from))
                    {
                        File.Move(from, $"{Path}.{i}", overwrite: true);
                    }
                }

                return Open();
        }
    }

    /// <summary>
    /// What logrotate's copy does, without File.Copy: .NET's File.Copy takes an exclusive advisory lock on the
    /// destination and fails while the shipper holds the previous copy open.
    /// </summary>
    private static void CopyShared(string from, string to)
    {
        // logrotate copies into a fresh file (the previous copy is removed or shifted first): a new inode every time.
        File.Delete(to);
        using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var target = new FileStream(to, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        source.CopyTo(target);
    }

    private static async Task CloseQuietlyAsync(FileStream? stream)
    {
        if (stream is null)
        {
            return;
        }

        try
        {
            await stream.DisposeAsync();
        }
        catch (IOException)
        {
            // Flushing into a full disk fails again; the line was already counted as failed.
        }
    }
}
