using System.Collections.Concurrent;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// Completions on their way back to the consume thread. Any indexer task may <see cref="Post"/>; only the consume
/// thread takes and waits. The consume thread is a dedicated blocking thread (Confluent's <c>Consume</c> blocks by
/// design), so it waits on a monitor, not on a task: no sync-over-async, no thread-pool thread held.
/// Unbounded, but never holds more than the in-flight batches (Indexing:MaxInFlightMessages bounds them).
/// </summary>
internal sealed class CompletionQueue
{
    private readonly ConcurrentQueue<Completion> _queue = new();
    private readonly object _gate = new();
    private volatile bool _closed;

    /// <summary>True once every indexer has ended and everything posted was taken.</summary>
    public bool IsClosed => _closed && _queue.IsEmpty;

    /// <summary>Any thread.</summary>
    public void Post(Completion completion)
    {
        _queue.Enqueue(completion);
        Wake();
    }

    /// <summary>Any thread: no more completions will come.</summary>
    public void Close()
    {
        _closed = true;
        Wake();
    }

    /// <summary>Consume thread only.</summary>
    public bool TryTake(out Completion completion) => _queue.TryDequeue(out completion);

    /// <summary>
    /// Consume thread only: blocks up to <paramref name="timeout"/> until a completion is waiting (true), or the queue
    /// is closed, <paramref name="abort"/> is cancelled or the time is up (false).
    /// </summary>
    public bool Wait(TimeSpan timeout, CancellationToken abort)
    {
        if (!_queue.IsEmpty)
        {
            return true;
        }

        using var registration = abort.CanBeCanceled ? abort.UnsafeRegister(static state => ((CompletionQueue)state!).Wake(), this) : default;
        lock (_gate)
        {
            // Checked under the lock that Post pulses under: a completion posted after this check wakes the wait.
            if (_queue.IsEmpty && !_closed && !abort.IsCancellationRequested)
            {
                Monitor.Wait(_gate, timeout);
            }
        }

        return !_queue.IsEmpty;
    }

    private void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
