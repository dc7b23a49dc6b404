using System.Buffers;
using System.Runtime.Intrinsics;

namespace LogPipeline.Ingest.Enrichment.Serialization;

/// <summary>
/// Writes one document straight into an <see cref="IBufferWriter{T}"/>: a span taken from it once, refreshed only
/// when a piece does not fit (the written part is committed then, as Utf8JsonWriter did), the rest committed by
/// <see cref="Flush"/>. A caller that must drop a document that failed half-way truncates its buffer (the processing
/// worker does). Lives on the writing thread's stack only.
/// </summary>
internal ref struct DocumentOutput
{
    // Most documents fit in one span of this size (two copies of the line plus the fields).
    private const int ChunkBytes = 4096;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _used;

    public DocumentOutput(IBufferWriter<byte> output)
    {
        _output = output;
        _span = output.GetSpan(ChunkBytes);
    }

    /// <summary>At least <paramref name="length"/> free bytes at the write position; finish with <see cref="Advance"/>.</summary>
    public Span<byte> Free(int length)
    {
        if (_span.Length - _used < length)
        {
            Grow(length);
        }

        return _span[_used..];
    }

    public void Advance(int count) => _used += count;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Free(bytes.Length));
        _used += bytes.Length;
    }

    /// <summary>
    /// Copies all of <paramref name="block"/> (exactly 32 bytes) but keeps only its first <paramref name="length"/>:
    /// one vector move instead of a copy call of a computed size. The bytes past <paramref name="length"/> are
    /// overwritten by what follows or lie beyond what is committed.
    /// </summary>
    public void WritePadded(ReadOnlySpan<byte> block, int length)
    {
        Vector256.Create(block).CopyTo(Free(Vector256<byte>.Count));
        _used += length;
    }

    public void WriteByte(byte value)
    {
        if (_used == _span.Length)
        {
            Grow(1);
        }

        _span[_used++] = value;
    }

    /// <summary>Commits everything written to the buffer writer.</summary>
    public void Flush()
    {
        _output.Advance(_used);
        _used = 0;
        _span = default;
    }

    private void Grow(int length)
    {
        // Commit what is written (the writer's next span starts after it), then ask for a span that fits.
        _output.Advance(_used);
        _used = 0;
        _span = _output.GetSpan(Math.Max(length, ChunkBytes));
    }
}
