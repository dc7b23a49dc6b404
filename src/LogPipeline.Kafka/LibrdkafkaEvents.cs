using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Kafka;

/// <summary>
/// How both workers turn librdkafka's callbacks into log lines: its own log lines through the JSON logger at a
/// level matching their syslog severity, and connection failures into a <see cref="ConnectionMonitor"/> instead
/// of one line per reconnect attempt.
/// </summary>
public static partial class LibrdkafkaEvents
{
    /// <summary>Syslog severity (0 emergency … 7 debug) to a log level: 0-3 Error, 4 Warning, 5-6 Information, 7 Debug.</summary>
    public static LogLevel LevelOf(int syslogLevel) => syslogLevel switch
    {
        <= 3 => LogLevel.Error,
        4 => LogLevel.Warning,
        5 or 6 => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    /// <summary>
    /// Errors that mean "cannot reach or talk to the cluster" (refused, reset, name not resolved, TLS or SASL
    /// handshake failed, every broker down): librdkafka reports them on every reconnect attempt and retries by
    /// itself, so they feed the connection state rather than the log.
    /// </summary>
    public static bool IsConnectionFailure(ErrorCode code) => code is
        ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport or ErrorCode.Local_Resolve
        or ErrorCode.Local_Ssl or ErrorCode.Local_Authentication;

    /// <summary>
    /// Writes one librdkafka log line. Its <c>FAIL</c> lines are the same broker connection failures the error
    /// callback reports (librdkafka emits both); they go to the connection state through that callback, so the
    /// log line itself drops to Debug instead of repeating every reconnect attempt.
    /// </summary>
    public static void Log(ILogger logger, int syslogLevel, string name, string facility, string message)
    {
        var level = facility == "FAIL" ? LogLevel.Debug : LevelOf(syslogLevel);
        if (logger.IsEnabled(level))
        {
            LibrdkafkaLine(logger, level, name, facility, message);
        }
    }

    [LoggerMessage(EventId = 910, Message = "librdkafka {Facility} ({Client}): {Message}")]
    private static partial void LibrdkafkaLine(ILogger logger, LogLevel level, string client, string facility, string message);
}
