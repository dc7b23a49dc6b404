using LogPipeline.Shipper.Lines;

namespace LogPipeline.Shipper.Checkpointing;

/// <summary>
/// How far one file is safely delivered: the offset before which Kafka acknowledged every line.
/// Lines are registered in file order by the tail loop; acknowledgements arrive on librdkafka's delivery
/// thread, possibly out of order, so the committed offset only moves over a contiguous run of finished
/// entries. All state is behind <see cref="_gate"/>.
/// </summary>
internal sealed class FileProgress(FileIdentity identity, long startOffset, string path)
{
    private readonly Lock _gate = new();
    private readonly Queue<PendingLine> _pending = new();
    private long _committed = startOffset;
    private volatile string _path = path;
    private volatile bool _released;

    public FileIdentity Identity { get; } = identity;

    /// <summary>Where the file was last seen (informational; identity is what matches on restart).</summary>
    public string Path
    {
        get => _path;
        set => _path = value;
    }

    /// <summary>Set by the tail loop when it let go of the file; the registry forgets it once all is acked.</summary>
    public bool Released
    {
        get => _released;
        set => _released = value;
    }

    public long Committed
    {
        get
        {
            lock (_gate)
            {
                return _committed;
            }
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// Registers a line handed to the producer; <paramref name="commitOffset"/> is what the checkpoint may
    /// become once it and everything before it is acknowledged.
    /// </summary>
    public PendingLine Track(long commitOffset, int bytes, long timestamp)
    {
        var line = new PendingLine(this, commitOffset, bytes, timestamp);
        lock (_gate)
        {
            _pending.Enqueue(line);
        }

        return line;
    }

    /// <summary>Bytes consumed without a message (empty lines, the cut-off rest of a long line).</summary>
    public void Skip(long commitOffset)
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                _committed = Math.Max(_committed, commitOffset);
            }
            else
            {
                var marker = new PendingLine(this, commitOffset, 0, 0);
                marker.Done = true;
                _pending.Enqueue(marker);
            }
        }
    }

    /// <summary>Called on delivery (success or permanent failure): the line no longer holds the checkpoint back.</summary>
    public void Complete(PendingLine line)
    {
        lock (_gate)
        {
            line.Done = true;
            while (_pending.TryPeek(out var head) && head.Done)
            {
                _pending.Dequeue();
                _committed = Math.Max(_committed, head.CommitOffset);
            }
        }
    }
}

/// <summary>One line between the tail loop and Kafka's acknowledgement.</summary>
internal sealed class PendingLine(FileProgress owner, long commitOffset, int bytes, long timestamp)
{
    public FileProgress Owner { get; } = owner;

    public long CommitOffset { get; } = commitOffset;

    public int Bytes { get; } = bytes;

    /// <summary>TimeProvider timestamp of the read, for the delivery latency histogram.</summary>
    public long Timestamp { get; } = timestamp;

    /// <summary>Guarded by the owner's lock.</summary>
    public bool Done { get; set; }
}
