namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// Contiguous completion for one partition. Offsets are added in consume order (ascending, possibly with
/// gaps) and completed in any order; <see cref="TryAdvance"/> yields the next offset to commit: one past the
/// last offset below which everything is done. Owned by the consume thread only.
/// A ring of (offset, done) pairs: no allocation per message once grown.
/// </summary>
internal sealed class OffsetTracker
{
    private long[] _offsets = new long[1024];
    private bool[] _done = new bool[1024];
    private int _head;
    private int _count;
    private long _committable = -1;

    /// <summary>Messages added and not yet passed by the commit point.</summary>
    public int Pending => _count;

    public void Add(long offset)
    {
        if (_count == _offsets.Length)
        {
            Grow();
        }

        var index = (_head + _count) % _offsets.Length;
        _offsets[index] = offset;
        _done[index] = false;
        _count++;
    }

    /// <summary>Marks an offset done; unknown offsets (e.g. from before a revoke) are ignored.</summary>
    public void Complete(long offset)
    {
        // Binary search over the ring, whose offsets ascend from the head.
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var value = _offsets[(_head + mid) % _offsets.Length];
            if (value == offset)
            {
                _done[(_head + mid) % _offsets.Length] = true;
                return;
            }

            if (value < offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
    }

    /// <summary>Moves past done offsets at the head; returns the offset to commit (last done + 1) when it moved.</summary>
    public bool TryAdvance(out long commitOffset)
    {
        var moved = false;
        while (_count > 0 && _done[_head])
        {
            _committable = _offsets[_head] + 1;
            _head = (_head + 1) % _offsets.Length;
            _count--;
            moved = true;
        }

        commitOffset = _committable;
        return moved;
    }

    /// <summary>The offset to commit for everything completed so far, or -1 when nothing was.</summary>
    public long Committable => _committable;

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var done = new bool[_offsets.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            offsets[i] = _offsets[(_head + i) % _offsets.Length];
            done[i] = _done[(_head + i) % _offsets.Length];
        }

        _offsets = offsets;
        _done = done;
        _head = 0;
    }
}
