using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;

namespace LogPipeline.Shipper.Publishing;

/// <summary>One line on its way to Kafka: where its bytes sit in the batch buffer and where it came from.</summary>
internal readonly record struct OutboundLine(int Start, int Length, long Offset, bool Truncated, PendingLine Pending);

/// <summary>
/// Lines of one read chunk of one file: the unit that crosses the tail → publisher channel. Line bytes are
/// copied into one buffer per batch, and batches are reused: an array per line, a growing list per batch and a
/// buffer per batch were most of what the shipper allocated (~300 B per line), and every byte of garbage is
/// paid for in GC work or in memory the GC keeps committed. The tail loop rents and fills a batch; the
/// publisher, its only other owner, releases it once librdkafka has copied every line.
/// </summary>
internal sealed class LineBatch
{
    private const int PoolSize = 8;
    private const int KeepBufferBytes = 64 * 1024;
    private const int KeepLines = 1024;

    // Tail loop rents, publisher releases: the only state two threads touch, hence the lock.
    private static readonly Lock PoolGate = new();
    private static readonly Stack<LineBatch> Pool = new(PoolSize);

    private byte[] _data = new byte[4096];
    private int _used;

    private LineBatch(FileIdentity file) => File = file;

    public FileIdentity File { get; private set; }

    public List<OutboundLine> Lines { get; } = new(64);

    /// <summary>What the batch costs against the in-flight budget.</summary>
    public long Bytes { get; private set; }

    public static LineBatch Rent(FileIdentity file)
    {
        lock (PoolGate)
        {
            if (Pool.TryPop(out var batch))
            {
                batch.File = file;
                return batch;
            }
        }

        return new LineBatch(file);
    }

    public ReadOnlySpan<byte> Value(in OutboundLine line) => _data.AsSpan(line.Start, line.Length);

    public void Add(ReadOnlySpan<byte> value, long offset, bool truncated, PendingLine pending)
    {
        if (_data.Length - _used < value.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, _used + value.Length));
        }

        value.CopyTo(_data.AsSpan(_used));
        Lines.Add(new OutboundLine(_used, value.Length, offset, truncated, pending));
        _used += value.Length;
        Bytes += value.Length + InFlightBudget.PerLineOverhead;
    }

    /// <summary>Hands the batch back for reuse; the caller must not touch it afterwards.</summary>
    public void Release()
    {
        if (_data.Length > KeepBufferBytes || Lines.Capacity > KeepLines)
        {
            return; // Grown by a burst or a long line: let the GC have it rather than keep it pooled.
        }

        Lines.Clear();
        _used = 0;
        Bytes = 0;
        lock (PoolGate)
        {
            if (Pool.Count < PoolSize)
            {
                Pool.Push(this);
            }
        }
    }
}
