using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Publishing;

/// <summary>One line on its way to Kafka: the value (copied out of the read buffer) and where it came from.</summary>
internal readonly record struct OutboundLine(byte[] Value, long Offset, bool Truncated, PendingLine Pending);

/// <summary>Lines of one read chunk of one file: the unit that crosses the tail → publisher channel.</summary>
internal sealed class LineBatch(FileIdentity file, int capacity)
{
    public FileIdentity File { get; } = file;

    public List<OutboundLine> Lines { get; } = new(capacity);

    /// <summary>What the batch costs against the in-flight budget.</summary>
    public long Bytes { get; private set; }

    public void Add(OutboundLine line)
    {
        Lines.Add(line);
        Bytes += line.Value.Length + InFlightBudget.PerLineOverhead;
    }
}
