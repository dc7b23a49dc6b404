using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>Receives what <see cref="LineReader"/> finds, in file order.</summary>
internal interface ILineSink
{
    /// <summary>
    /// A line (without its newline). <paramref name="commitOffset"/> is where a restart may resume once this
    /// line is acknowledged: after its newline, or — for a truncated line whose rest is still being
    /// skipped — its own start, so a crash never turns the rest of a long line into a line of its own.
    /// </summary>
    void OnLine(ReadOnlySpan<byte> line, long offset, long commitOffset, bool truncated);

    /// <summary>Bytes consumed without a message (empty line, the rest of a truncated line).</summary>
    void OnSkipped(long commitOffset);
}

/// <summary>
/// Reads one file through its descriptor and cuts it into lines. A partial last line waits for its
/// newline; a line longer than the limit is cut, reported once as truncated, and the rest of it skipped.
/// The buffer is rented only while bytes are pending, so idle and finished files hold no memory.
/// Owned by the tail loop (single-threaded).
/// </summary>
internal sealed class LineReader(int maxLineBytes, long startOffset)
{
    private const int ChunkBytes = 64 * 1024;

    private byte[]? _buffer;
    private int _length;
    private long _bufferOffset = startOffset;
    private bool _skipping;

    /// <summary>The next file offset to read.</summary>
    public long ReadOffset => _bufferOffset + _length;

    /// <summary>Bytes read but not yet emitted (a partial line).</summary>
    public int Pending => _length;

    /// <summary>The buffered bytes (the head of the file when nothing was split yet).</summary>
    public ReadOnlySpan<byte> Buffered => _buffer is null ? default : _buffer.AsSpan(0, _length);

    /// <summary>Reads the next chunk; returns the bytes read (0 at the end of the file).</summary>
    public int Fill(SafeFileHandle handle)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(maxLineBytes + ChunkBytes);
        var room = Math.Min(ChunkBytes, _buffer.Length - _length);
        var n = RandomAccess.Read(handle, _buffer.AsSpan(_length, room), ReadOffset);
        _length += n;
        if (_length == 0)
        {
            ReturnBuffer();
        }

        return n;
    }

    /// <summary>Emits every complete line in the buffer; keeps the partial rest.</summary>
    public void Split(ILineSink sink)
    {
        if (_buffer is null)
        {
            return;
        }

        var data = _buffer.AsSpan(0, _length);
        var pos = 0;
        while (pos < data.Length)
        {
            var newline = data[pos..].IndexOf((byte)'\n');
            if (_skipping)
            {
                if (newline < 0)
                {
                    pos = data.Length;
                    break;
                }

                pos += newline + 1;
                _skipping = false;
                sink.OnSkipped(_bufferOffset + pos);
                continue;
            }

            if (newline < 0)
            {
                break;
            }

            var offset = _bufferOffset + pos;
            var next = offset + newline + 1;
            if (newline == 0)
            {
                sink.OnSkipped(next);
            }
            else if (newline > maxLineBytes)
            {
                sink.OnLine(data.Slice(pos, maxLineBytes), offset, offset, truncated: true);
                sink.OnSkipped(next);
            }
            else
            {
                sink.OnLine(data.Slice(pos, newline), offset, next, truncated: false);
            }

            pos += newline + 1;
        }

        if (!_skipping && data.Length - pos > maxLineBytes)
        {
            // Too long to ever fit: ship the head now, then skip to the next newline.
            var offset = _bufferOffset + pos;
            sink.OnLine(data.Slice(pos, maxLineBytes), offset, offset, truncated: true);
            _skipping = true;
            pos = data.Length;
        }

        Consume(pos);
    }

    /// <summary>
    /// The writer has moved on for good: a last line without newline is complete as it is.
    /// </summary>
    public void FlushPartial(ILineSink sink)
    {
        if (_buffer is not null && _length > 0)
        {
            if (_skipping)
            {
                sink.OnSkipped(ReadOffset);
            }
            else
            {
                sink.OnLine(_buffer.AsSpan(0, Math.Min(_length, maxLineBytes)), _bufferOffset, ReadOffset, _length > maxLineBytes);
            }

            Consume(_length);
        }
    }

    /// <summary>
    /// Forgets the last <paramref name="count"/> bytes read (the chunk of the last <see cref="Fill"/>, not split yet):
    /// they came from content that replaced the file's, and <see cref="ReadOffset"/> goes back to where they started.
    /// </summary>
    public void Unfill(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _length);
        _length -= count;
        if (_length == 0)
        {
            ReturnBuffer();
        }
    }

    /// <summary>Forgets buffered bytes (truncation: they belong to content that no longer exists).</summary>
    public int Discard()
    {
        var dropped = _length;
        Consume(_length);
        return dropped;
    }

    public void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            _length = 0;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void Consume(int count)
    {
        if (count == 0)
        {
            return;
        }

        _buffer!.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
        _bufferOffset += count;
        if (_length == 0)
        {
            ReturnBuffer();
        }
    }
}
