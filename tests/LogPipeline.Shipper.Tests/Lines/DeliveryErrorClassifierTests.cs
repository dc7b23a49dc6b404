using Confluent.Kafka;
using LogPipeline.Shipper.Lines;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Tests.Lines;

/// <summary>Which librdkafka codes may cost a line (drop), which stop the shipper, which are retried.</summary>
public sealed class DeliveryErrorClassifierTests
{
    public static TheoryData<ErrorCode, string, string?> Codes => new()
    {
        { ErrorCode.NoError, "Delivered", null },
        { ErrorCode.Local_QueueFull, "Retry", null },

        // Per-record: Kafka will never take this record, whoever asks.
        { ErrorCode.MsgSizeTooLarge, "Drop", "msg_size_too_large" },
        { ErrorCode.InvalidMsg, "Drop", "invalid_msg" },
        { ErrorCode.RecordListTooLarge, "Drop", "record_list_too_large" },
        { ErrorCode.InvalidRecord, "Drop", "invalid_record" },

        // Purged at shutdown or after a fatal error: unacknowledged, no decision of its own.
        { ErrorCode.Local_PurgeQueue, "Purged", null },
        { ErrorCode.Local_PurgeInflight, "Purged", null },

        // The producer is unusable.
        { ErrorCode.Local_Fatal, "Stop", null },
        { ErrorCode.OutOfOrderSequenceNumber, "Stop", null },
        { ErrorCode.UnknownProducerId, "Stop", null },
        { ErrorCode.InvalidProducerEpoch, "Stop", null },
        { ErrorCode.Local_GaplessGuarantee, "Stop", null },

        // Kafka refuses the shipper.
        { ErrorCode.TopicAuthorizationFailed, "Stop", null },
        { ErrorCode.ClusterAuthorizationFailed, "Stop", null },
        { ErrorCode.TransactionalIdAuthorizationFailed, "Stop", null },
        { ErrorCode.SaslAuthenticationFailed, "Stop", null },
        { ErrorCode.Local_Authentication, "Stop", null },

        // Topic gone or never there, messages timed out (message.timeout.ms > 0), other cluster errors.
        { ErrorCode.Local_UnknownTopic, "Stop", null },
        { ErrorCode.Local_UnknownPartition, "Stop", null },
        { ErrorCode.UnknownTopicOrPart, "Stop", null },
        { ErrorCode.Local_MsgTimedOut, "Stop", null },
        { ErrorCode.PolicyViolation, "Stop", null },
        { ErrorCode.UnsupportedVersion, "Stop", null },
        { ErrorCode.UnsupportedForMessageFormat, "Stop", null },

        // Not per-record even if it looks so: the producer's clock stamps every line alike.
        { ErrorCode.InvalidTimestamp, "Stop", null },
        { ErrorCode.InvalidMsgSize, "Stop", null },
        { ErrorCode.Local_BadMsg, "Stop", null },

        // Retriable errors that still reach a delivery report mean librdkafka gave up: never guess, stop.
        { ErrorCode.NotEnoughReplicas, "Stop", null },
        { ErrorCode.RequestTimedOut, "Stop", null },
        { ErrorCode.Local_Transport, "Stop", null },
        { (ErrorCode)9999, "Stop", null },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void Only_per_record_errors_drop_a_line(ErrorCode code, string verdict, string? reason)
    {
        var decision = DeliveryErrorClassifier.Classify((int)code);

        Assert.Equal(verdict, decision.Verdict.ToString());
        if (reason is not null)
        {
            Assert.Equal(reason, DeliveryErrorClassifier.Label(decision.Reason));
        }
    }

    [Theory]
    [InlineData(ErrorCode.Local_Fatal, false, true)]
    [InlineData(ErrorCode.OutOfOrderSequenceNumber, true, true)] // the cause of a fatal error
    [InlineData(ErrorCode.Local_Authentication, false, true)]
    [InlineData(ErrorCode.SaslAuthenticationFailed, false, true)]
    [InlineData(ErrorCode.TopicAuthorizationFailed, false, true)]
    [InlineData(ErrorCode.ClusterAuthorizationFailed, false, true)]
    [InlineData(ErrorCode.TransactionalIdAuthorizationFailed, false, true)]
    [InlineData(ErrorCode.Local_Transport, false, false)]
    [InlineData(ErrorCode.Local_AllBrokersDown, false, false)]
    [InlineData(ErrorCode.Local_Resolve, false, false)]
    [InlineData(ErrorCode.Local_Ssl, false, false)]
    public void Fatal_and_auth_client_errors_stop_connection_trouble_does_not(ErrorCode code, bool fatal, bool stops) =>
        Assert.Equal(stops, DeliveryErrorClassifier.StopsOnClientError((int)code, fatal));

    [Fact]
    public void Every_drop_reason_has_its_own_label()
    {
        var labels = Enum.GetValues<DropReason>().Select(DeliveryErrorClassifier.Label).ToList();

        Assert.Equal(labels.Count, labels.Distinct().Count());
        Assert.DoesNotContain("other", labels);
    }
}
