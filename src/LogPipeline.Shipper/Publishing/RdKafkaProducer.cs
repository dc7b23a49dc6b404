using System.Runtime.InteropServices;
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
}

/// <summary>What a metadata request said about the producer's topic (<paramref name="Error"/> 0 = the topic exists).</summary>
internal readonly record struct TopicState(int Error, int Partitions, int PartitionsWithoutLeader, int Brokers, int AnsweredBy);

/// <summary>
/// One librdkafka producer for one topic, driven directly (see <see cref="RdKafka"/> for why). Produce copies
/// the key, value and headers into librdkafka, so nothing is pinned after the call; the only per-message .NET
/// state is a GCHandle to the caller's state object, freed when its delivery report arrives. Threads: one caller
/// produces; a dedicated poll thread serves delivery reports and errors; Flush may run on any thread.
/// </summary>
internal sealed unsafe class RdKafkaProducer : IDisposable
{
    private readonly RdKafka.Api _api;
    private readonly IProducerEvents _events;
    private readonly GCHandle _self;
    private readonly IntPtr _rk;
    private readonly IntPtr _topic;
    private readonly Thread _poller;
    private volatile bool _stopping;
    private int _disposed;

    /// <param name="config">librdkafka properties; Confluent.Kafka's own <c>dotnet.*</c> keys are skipped.</param>
    public RdKafkaProducer(IEnumerable<KeyValuePair<string, string>> config, string topic, IProducerEvents events)
    {
        _api = RdKafka.Bind();
        _events = events;
        var conf = _api.ConfNew();
        var error = stackalloc byte[512];
        try
        {
            foreach (var (key, value) in config)
            {
                if (!key.StartsWith("dotnet.", StringComparison.Ordinal))
                {
                    Set(conf, key, value, error);
                }
            }

            _self = GCHandle.Alloc(this);
            _api.ConfSetOpaque(conf, GCHandle.ToIntPtr(_self));
            _api.ConfSetDrMsgCb(conf, &OnDeliveryReport);
            _api.ConfSetErrorCb(conf, &OnClientError);
            _api.ConfSetLogCb(conf, &OnLogLine);
            _rk = _api.New(RdKafka.ProducerType, conf, error, 512);
            if (_rk == IntPtr.Zero)
            {
                throw new InvalidOperationException("librdkafka could not create the producer: " + Utf8(error));
            }
        }
        catch
        {
            // rd_kafka_new owns the configuration only when it succeeds.
            _api.ConfDestroy(conf);
            if (_self.IsAllocated)
            {
                _self.Free();
            }

            throw;
        }

        var name = NullTerminated(topic);
        fixed (byte* n = name)
        {
            _topic = _api.TopicNew(_rk, n, IntPtr.Zero);
        }

        if (_topic == IntPtr.Zero)
        {
            _api.Destroy(_rk);
            _self.Free();
            throw new InvalidOperationException($"librdkafka refused the topic name '{topic}'");
        }

        _poller = new Thread(PollLoop) { IsBackground = true, Name = "lp-kafka-poll" };
        _poller.Start();
    }

    /// <summary>A header list for one message; pass it to <see cref="Produce"/>, which takes it over.</summary>
    public IntPtr NewHeaders(int capacity) => _api.HeadersNew((nuint)capacity);

    /// <summary>Copies a header into the list (an empty value stays empty, not null).</summary>
    public void AddHeader(IntPtr headers, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        byte empty = 0;
        fixed (byte* n = name)
        fixed (byte* v = value)
        {
            _api.HeaderAdd(headers, n, name.Length, v == null ? &empty : v, value.Length);
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
            args[0] = RdKafka.VarArg.Of(RdKafka.VarArg.Rkt, _topic);
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

            var error = _api.ProduceVa(_rk, args, (nuint)count);
            if (error == IntPtr.Zero)
            {
                return 0;
            }

            var code = _api.ErrorCode(error);
            _api.ErrorDestroy(error);
            _api.HeadersDestroy(headers);
            handle.Free();
            return code;
        }
    }

    /// <summary>Sends what lingers and serves reports for up to <paramref name="timeout"/>.</summary>
    public void Flush(TimeSpan timeout) => _api.Flush(_rk, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));

    public string Describe(int code) => _api.Describe(code);

    /// <summary>The fatal error the producer is in (rd_kafka_fatal_error), or 0; <paramref name="reason"/> says why.</summary>
    public int FatalError(out string reason)
    {
        var buffer = stackalloc byte[512];
        var code = _api.FatalError(_rk, buffer, 512);
        reason = code == 0 ? string.Empty : Utf8(buffer);
        return code;
    }

    /// <summary>
    /// Test only: makes librdkafka raise a fatal error as an idempotence failure would (rd_kafka_test_fatal_error),
    /// through the same error callback and purge. Returns librdkafka's result code. Nothing in the shipper calls it.
    /// </summary>
    internal int RaiseFatalErrorForTests(int code, string reason)
    {
        var text = NullTerminated(reason);
        fixed (byte* t = text)
        {
            return _api.TestFatalError(_rk, code, t);
        }
    }

    /// <summary>
    /// Asks the cluster for the topic's metadata (blocks up to <paramref name="timeout"/>; any thread, never the
    /// produce path): 0 and the topic's state, or librdkafka's error code when no broker answered.
    /// </summary>
    public int TopicMetadata(TimeSpan timeout, out TopicState topic)
    {
        topic = default;
        RdKafka.MetadataInfo* metadata = null;
        var code = _api.Metadata(_rk, 0, _topic, &metadata, (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue));
        if (code != 0)
        {
            return code;
        }

        try
        {
            if (metadata->TopicCount == 0)
            {
                return (int)Confluent.Kafka.ErrorCode.UnknownTopicOrPart;
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
            _api.MetadataDestroy(metadata);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        _poller.Join();
        // Whatever is still queued is reported as purged (the caller counts it as undelivered — the checkpoint
        // never passed it), which also frees the state handles.
        _api.Purge(_rk, RdKafka.PurgeQueueAndInFlight);
        for (var i = 0; i < 100 && _api.Poll(_rk, 0) > 0; i++)
        {
        }

        _api.TopicDestroy(_topic);
        _api.Destroy(_rk);
        _self.Free();
    }

    private void PollLoop()
    {
        while (!_stopping)
        {
            _api.Poll(_rk, 100);
        }
    }

    private static byte[] NullTerminated(string text) => System.Text.Encoding.UTF8.GetBytes(text + "\0");

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
                var buffer = stackalloc byte[512];
                code = owner._api.FatalError(rk, buffer, 512);
                text = Utf8(buffer);
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
            var api = RdKafka.Bind();
            Owner(api.Opaque(rk))._events.OnLog(level, Utf8(facility), Utf8(message));
        }
        catch (Exception)
        {
            // A log line that cannot be written is not worth stopping the shipper for.
        }
    }

    private void Set(IntPtr conf, string key, string value, byte* error)
    {
        var k = NullTerminated(key);
        var v = NullTerminated(value);
        fixed (byte* kp = k)
        fixed (byte* vp = v)
        {
            if (_api.ConfSet(conf, kp, vp, error, 512) != RdKafka.ConfOk)
            {
                throw new InvalidOperationException($"Kafka setting '{key}' = '{value}' was refused by librdkafka: {Utf8(error)}");
            }
        }
    }
}
