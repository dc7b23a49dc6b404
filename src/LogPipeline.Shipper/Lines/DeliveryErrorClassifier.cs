using Confluent.Kafka;

namespace LogPipeline.Shipper.Lines;

/// <summary>What the shipper does with a line after librdkafka reported a code for it.</summary>
internal enum DeliveryVerdict
{
    /// <summary>Acknowledged by Kafka: the line is finished and the checkpoint may pass it.</summary>
    Delivered,

    /// <summary>Not taken (produce-time <c>QUEUE_FULL</c>): offer the same line again, nothing is lost.</summary>
    Retry,

    /// <summary>Kafka will never accept this record: count it per reason and let the checkpoint pass it.</summary>
    Drop,

    /// <summary>
    /// Kafka refuses the shipper or the producer is unusable: the line stays unacknowledged (the checkpoint stays
    /// behind it), the shipper stops reading and exits with <see cref="ShipperExitCode.KafkaRefused"/>.
    /// </summary>
    Stop,

    /// <summary>Purged from librdkafka's queue (shutdown, or after a fatal error): unacknowledged, no decision of its own.</summary>
    Purged,
}

/// <summary>Why a line was dropped; the <c>reason</c> label of <c>shipper_lines_dropped_total</c>.</summary>
internal enum DropReason
{
    MessageTooLarge,
    InvalidMessage,
    RecordListTooLarge,
    InvalidRecord,
}

internal readonly record struct DeliveryDecision(DeliveryVerdict Verdict, DropReason Reason = default);

/// <summary>
/// The one place that decides whether a librdkafka error code may cost a line. Only errors about the record itself
/// drop it; everything else stops the shipper with the line unacknowledged, so that a restart re-sends it (a
/// duplicate at worst, which the ingest <c>_id</c> absorbs) instead of losing it. Pure; any thread.
/// </summary>
/// <remarks>
/// Per-record (drop): <c>MSG_SIZE_TOO_LARGE</c> (librdkafka's own check against <c>message.max.bytes</c> at produce
/// time, or the broker's <c>MESSAGE_TOO_LARGE</c>), <c>INVALID_MSG</c> (Kafka's <c>CORRUPT_MESSAGE</c>: CRC or
/// format), <c>RECORD_LIST_TOO_LARGE</c> and <c>INVALID_RECORD</c> (a broker-side record validation). Deliberately
/// not per-record: <c>INVALID_TIMESTAMP</c> (the producer's clock stamps every line alike, so dropping would drop
/// everything), <c>INVALID_MSG_SIZE</c> (a fetch error), <c>_BAD_MSG</c> (a client-side parse failure).
/// A delivery report never carries a retriable error in the shipper's configuration: librdkafka retries those itself
/// (<c>retries</c> unlimited, <c>message.timeout.ms=0</c>), so a retriable code that still arrives means librdkafka
/// gave up, and the verdict is Stop. Unknown codes stop too: a line is never given up on a guess.
/// </remarks>
internal static class DeliveryErrorClassifier
{
    /// <summary>A produce result or a delivery report (0 = delivered).</summary>
    public static DeliveryDecision Classify(int code) => code switch
    {
        0 => new(DeliveryVerdict.Delivered),
        (int)ErrorCode.Local_QueueFull => new(DeliveryVerdict.Retry),
        (int)ErrorCode.MsgSizeTooLarge => new(DeliveryVerdict.Drop, DropReason.MessageTooLarge),
        (int)ErrorCode.InvalidMsg => new(DeliveryVerdict.Drop, DropReason.InvalidMessage),
        (int)ErrorCode.RecordListTooLarge => new(DeliveryVerdict.Drop, DropReason.RecordListTooLarge),
        (int)ErrorCode.InvalidRecord => new(DeliveryVerdict.Drop, DropReason.InvalidRecord),
        (int)ErrorCode.Local_PurgeQueue or (int)ErrorCode.Local_PurgeInflight => new(DeliveryVerdict.Purged),
        _ => new(DeliveryVerdict.Stop),
    };

    /// <summary>
    /// A client-level error (librdkafka's error callback, not tied to a line). Fatal errors and failed
    /// authentication or authorisation stop the shipper: librdkafka would otherwise keep the lines queued
    /// forever (no message timeout) while nothing reaches Kafka. Connection trouble (<c>_TRANSPORT</c>,
    /// <c>_ALL_BROKERS_DOWN</c>, <c>_RESOLVE</c>, <c>_SSL</c> handshakes) is retried by librdkafka and stops nothing.
    /// </summary>
    public static bool StopsOnClientError(int code, bool fatal) => fatal || code switch
    {
        (int)ErrorCode.Local_Fatal
            or (int)ErrorCode.Local_Authentication
            or (int)ErrorCode.SaslAuthenticationFailed
            or (int)ErrorCode.TopicAuthorizationFailed
            or (int)ErrorCode.ClusterAuthorizationFailed
            or (int)ErrorCode.TransactionalIdAuthorizationFailed => true,
        _ => false,
    };

    /// <summary>The <c>reason</c> label value (stable: dashboards and alerts match on it).</summary>
    public static string Label(DropReason reason) => reason switch
    {
        DropReason.MessageTooLarge => "msg_size_too_large",
        DropReason.InvalidMessage => "invalid_msg",
        DropReason.RecordListTooLarge => "record_list_too_large",
        DropReason.InvalidRecord => "invalid_record",
        _ => "other",
    };
}
