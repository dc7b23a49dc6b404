using System.Runtime.InteropServices;
using LogPipeline.Kafka.Native;
using LogPipeline.Shipper.Native;

namespace LogPipeline.Shipper.Publishing;

/// <summary>What a <see cref="RdKafkaProducer"/> reports back.</summary>
internal interface IProducerEvents
{
    /// <summary>A message's final outcome (0 = delivered, else a librdkafka error code). On the poll thread.</summary>
    void OnDelivered(object state, int error);

    /// <summary>A client-level error; <paramref name="fatal"/> when the producer can no longer deliver. On the poll thread.</summary>
    void OnError(int code, string reason, bool fatal);

    /// <summary>A librdkafka log line (syslog levels: 0 emergency … 7 debug). On any librdkafka thread.</summary>
    void OnLog(int level, string facility, string message);

    /// <summary>After each poll (about every 100 ms, sooner when reports arrive). On the poll thread; must not block.</summary>
    void OnPolled()
    {
    }
}

/// <summary>What a metadata request said about the producer's topic (<paramref name="Error"/> 0 = the topic exists).</summary>
internal readonly record struct TopicState(int Error, int Partitions, int PartitionsWithoutLeader, int Brokers, int AnsweredBy);

/// <summary>
/// One librdkafka producer for one topic, driven directly (see <see cref="RdKafka"/> for why). Produce copies
/// the key, value and headers into librdkafka, so nothing is pinned after the call; the only per-message .NET
/// state is a GCHandle to the caller's state object, freed when its delivery report arrives.
/// Threads: one caller produces (any thread, one at a time). Every callback librdkafka serves through its queue
/// (delivery reports, client errors) runs on the dedicated poll thread and only there: <see cref="Flush"/> asks
/// that thread to flush and waits for it, and at <see cref="Dispose"/> that thread purges and serves the last
/// reports before it ends. Log lines come from librdkafka's own threads. <see cref="TopicMetadata"/> and
/// <see cref="FatalError"/> serve no callbacks and may run on any thread.
/// </summary>
internal sealed unsafe class RdKafkaProducer : IDisposable
{
    /// <summary>The poll thread's name; callbacks run on the thread of that name only.</summary>
    public const string PollThreadName = "lp-kafka-poll";

    private readonly IProducerEvents _events;
    private readonly GCHandle _self;
    private readonly RdKafka.KafkaHandle _rk;
    private readonly RdKafka.TopicHandle _topic;
    private readonly IntPtr _rkt;
    private readonly Thread _poller;

    // Flush hand-off: the flushing caller (one at a time, _flushCaller) writes the timeout, the poll thread takes
    // it (Interlocked.Exchange to -1), runs rd_kafka_flush and sets _flushDone.
    private readonly Lock _flushCaller = new();
    private readonly ManualResetEventSlim _flushDone = new(initialState: false);
    private int _flushRequestMs = -1;
    private volatile bool _stopping;
    private int _disposed;

    /// <param name="config">librdkafka properties; Confluent.Kafka's own <c>dotnet.*</c> keys are skipped.</param>
    /// <exception cref="LibrdkafkaUnavailableException">librdkafka is missing or older than the minimum.</exception>
    public RdKafkaProducer(IEnumerable<KeyValuePair<string, string>> config, string topic, IProducerEvents events)
    {
        RdKafka.Load();
        _events = events;
        var error = stackalloc byte[512];
        using (var conf = RdKafka.ConfNew())
        {
            foreach (var (key, value) in config)
            {
                if (!key.StartsWith("dotnet.", StringComparison.Ordinal) && RdKafka.ConfSet(conf, key, value, error, 512) != RdKafka.ConfOk)
                {
                    throw new InvalidOperationException($"Kafka setting '{key}' = '{value}' was refused by librdkafka: {Utf8(error)}");
                }
            }

            _self = GCHandle.Alloc(this);
            RdKafka.ConfSetOpaque(conf, GCHandle.ToIntPtr(_self));
            RdKafka.ConfSetDrMsgCb(conf, &OnDeliveryReport);
            RdKafka.ConfSetErrorCb(conf, &OnClientError);
            RdKafka.ConfSetLogCb(conf, &OnLogLine);
            _rk = RdKafka.New(RdKafka.ProducerType, conf, error, 512);
            if (_rk.IsInvalid)
            {
                _self.Free();
                throw new InvalidOperationException("librdkafka could not create the producer: " + Utf8(error));
            }

            // rd_kafka_new owns the configuration once it succeeded.
            conf.SetHandleAsInvalid();
        }

        _topic = RdKafka.TopicNew(_rk, topic);
        if (_topic.IsInvalid)
        {
            _rk.Dispose();
            _self.Free();
            throw new InvalidOperationException($"librdkafka refused the topic name '{topic}'");
        }

        // Produce passes the topic inside rd_kafka_vu_t, where no SafeHandle marshalling applies; _topic (and
        // through it _rk) stays valid until Dispose, after the last produce.
        _rkt = _topic.DangerousGetHandle();
        _poller = new Thread(PollLoop) { IsBackground = true, Name = PollThreadName };
        _poller.Start();
    }

    /// <summary>A header list for one message; pass it to <see cref="Produce"/>, which takes it over.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Callers reach librdkafka through the producer they hold.")]
    public IntPtr NewHeaders(int capacity) => RdKafka.HeadersNew((nuint)capacity);

    /// <summary>Copies a header into the list (an empty value stays empty, not null).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Callers reach librdkafka through the producer they hold.")]
    public void AddHeader(IntPtr headers, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        byte empty = 0;
        fixed (byte* n = name)
        fixed (byte* v = value)
        {
            // Fails only on a read-only list (one already produced); this one is new.
            _ = RdKafka.HeaderAdd(headers, n, name.Length, v == null ? &empty : v, value.Length);
        }
    }

    /// <summary>
    /// Enqueues one message (partition chosen by librdkafka: by key if there is one, else sticky). Returns 0, or
    /// librdkafka's error code (e.g. -184 queue full) when the message was not enqueued; then no report follows.
    /// </summary>
    public int Produce(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, IntPtr headers, object state)
    {
        var handle = GCHandle.Alloc(state);
        byte empty = 0;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var args = stackalloc RdKafka.VarArg[6];
            args[0] = RdKafka.VarArg.Of(RdKafka.VarArg.Rkt, _rkt);
            // An empty line stays an empty (not a null) value: fixed gives null for an empty span.
            args[1] = RdKafka.VarArg.Of(RdKafka.VarArg.Value, (IntPtr)(v == null ? &empty : v), (nuint)value.Length);
            args[2] = new RdKafka.VarArg { Type = RdKafka.VarArg.MsgFlags, Int = RdKafka.MsgFlagCopy };
            args[3] = RdKafka.VarArg.Of(RdKafka.VarArg.Opaque, GCHandle.ToIntPtr(handle));
            args[4] = RdKafka.VarArg.Of(RdKafka.VarArg.Headers, headers);
            var count = 5;
            if (!key.IsEmpty)
            {
                args[count++] = RdKafka.VarArg.Of(RdKafka.VarArg.Key, (IntPtr)k, (nuint)key.Length);
            }

            var error = RdKafka.ProduceVa(_rk, args, (nuint)count);
            if (error == IntPtr.Zero)
            {
                return 0;
            }

            var code = RdKafka.ErrorCode(error);
            RdKafka.ErrorDestroy(error);
            RdKafka.HeadersDestroy(headers);
            handle.Free();
            return code;
        }
    }

    /// <summary>
    /// Has the poll thread send what lingers and serve reports for up to <paramref name="timeout"/>, and waits for
    /// it (a little longer than the timeout, as the poll thread may be inside a callback). Blocks the caller; never
    /// call it from a callback.
    /// </summary>
    public void Flush(TimeSpan timeout)
    {
        var ms = (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue - 1000);
        lock (_flushCaller)
        {
            if (_stopping)
            {
                return;
            }

            _flushDone.Reset();
            Volatile.Write(ref _flushRequestMs, ms);
            RdKafka.Yield(_rk);
            _flushDone.Wait(ms + 200);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Callers reach librdkafka through the producer they hold.")]
    public string Describe(int code) => RdKafka.Describe(code);

    /// <summary>The fatal error the producer is in (rd_kafka_fatal_error), or 0; <paramref name="reason"/> says why.</summary>
    public int FatalError(out string reason)
    {
        var buffer = stackalloc byte[512];
        var code = RdKafka.FatalError(_rk, buffer, 512);
        reason = code == 0 ? string.Empty : Utf8(buffer);
        return code;
    }

    /// <summary>
    /// Test only: makes librdkafka raise a fatal error as an idempotence failure would (rd_kafka_test_fatal_error),
    /// through the same error callback and purge. Returns librdkafka's result code. Nothing in the shipper calls it.
    /// </summary>
    internal int RaiseFatalErrorForTests(int code, string reason) => RdKafka.TestFatalError(_rk, code, reason);

    /// <summary>
    /// Asks the cluster for the topic's metadata (blocks up to <paramref name="timeout"/>; any thread, never the
    /// produce path): 0 and the topic's state, or librdkafka's error code when no broker answered.
    /// </summary>
    public int TopicMetadata(TimeSpan timeout, out TopicState topic)
    {
        topic = default;
        RdKafka.MetadataInfo* metadata = null;
        var code = RdKafka.Metadata(_rk, 0, _topic, &metadata, (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue));
        if (code != 0)
        {
            return code;
        }

        try
        {
            if (metadata->TopicCount == 0)
            {
                return RdKafka.ErrUnknownTopicOrPart;
            }

            var t = metadata->Topics[0];
            var withoutLeader = 0;
            for (var i = 0; i < t.PartitionCount; i++)
            {
                if (t.Partitions[i].Leader < 0)
                {
                    withoutLeader++;
                }
            }

            topic = new TopicState(t.Err, t.PartitionCount, withoutLeader, metadata->BrokerCount, metadata->OriginatingBrokerId);
            return 0;
        }
        finally
        {
            RdKafka.MetadataDestroy(metadata);
        }
    }

    /// <summary>
    /// Stops the poll thread, which first reports whatever is still queued as purged (the caller counts it as
    /// undelivered — the checkpoint never passed it, which also frees the state handles), then destroys the
    /// client. Call after the last <see cref="Produce"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_flushCaller)
        {
            _stopping = true;
        }

        RdKafka.Yield(_rk);
        _poller.Join();
        _topic.Dispose();
        _rk.Dispose();
        _self.Free();
        _flushDone.Dispose();
    }

    private void PollLoop()
    {
        while (!_stopping)
        {
            var flush = Interlocked.Exchange(ref _flushRequestMs, -1);
            if (flush >= 0)
            {
                RdKafka.Flush(_rk, flush);
                _flushDone.Set();
            }
            else
            {
                RdKafka.Poll(_rk, 100);
            }

            _events.OnPolled();
        }

        RdKafka.Purge(_rk, RdKafka.PurgeQueueAndInFlight);
        for (var i = 0; i < 100 && RdKafka.Poll(_rk, 0) > 0; i++)
        {
        }
    }

    private static string Utf8(byte* text) => Marshal.PtrToStringUTF8((IntPtr)text) ?? string.Empty;

    private static RdKafkaProducer Owner(IntPtr opaque) => (RdKafkaProducer)GCHandle.FromIntPtr(opaque).Target!;

    [UnmanagedCallersOnly]
    private static void OnDeliveryReport(IntPtr rk, RdKafka.Message* message, IntPtr opaque)
    {
        try
        {
            var handle = GCHandle.FromIntPtr(message->Opaque);
            var state = handle.Target!;
            handle.Free();
            Owner(opaque)._events.OnDelivered(state, message->Err);
        }
        catch (Exception ex)
        {
            // A lost delivery report would leave a checkpoint stuck or wrong; better to stop and resume from the
            // last checkpoint after the restart than to go on.
            Environment.FailFast("Shipper: a Kafka delivery report could not be processed", ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnClientError(IntPtr rk, int code, byte* reason, IntPtr opaque)
    {
        try
        {
            var owner = Owner(opaque);
            var fatal = code == RdKafka.ErrFatal;
            var text = Utf8(reason);
            if (fatal)
            {
                // The error callback only says "fatal"; the cause is kept by the handle.
                code = owner.FatalError(out text);
            }

            owner._events.OnError(code, text, fatal);
        }
        catch (Exception ex)
        {
            Environment.FailFast("Shipper: a Kafka client error could not be processed", ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnLogLine(IntPtr rk, int level, byte* facility, byte* message)
    {
        try
        {
            Owner(RdKafka.Opaque(rk))._events.OnLog(level, Utf8(facility), Utf8(message));
        }
        catch (Exception)
        {
            // A log line that cannot be written is not worth stopping the shipper for.
        }
    }
}
