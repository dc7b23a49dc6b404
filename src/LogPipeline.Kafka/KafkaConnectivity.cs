using Confluent.Kafka;
using LogPipeline.Hosting.Connectivity;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Kafka;

/// <summary>
/// Feeds librdkafka's client errors to a <see cref="ConnectionMonitor"/>: "all brokers down" marks Kafka down
/// (with the last broker failure as the cause); a single broker's connection failure is only a detail while
/// others may still serve (librdkafka fails over and reconnects by itself) but counts as another failure while
/// down. Any success marks it up. Thread-safe (librdkafka threads, the poll thread, the probe).
/// </summary>
public sealed class KafkaConnectivity(ConnectionMonitor monitor)
{
    private volatile string? _lastBrokerFailure;

    public ConnectionMonitor Monitor => monitor;

    /// <summary>True when the error was a connection failure and is accounted for (the caller logs nothing).</summary>
    public bool OnError(ErrorCode code, string reason, bool fatal)
    {
        if (fatal || !LibrdkafkaEvents.IsConnectionFailure(code))
        {
            return false;
        }

        if (code == ErrorCode.Local_AllBrokersDown)
        {
            var last = _lastBrokerFailure;
            monitor.Down(last is null ? reason : $"{reason} (last: {last})");
        }
        else
        {
            _lastBrokerFailure = reason;
            if (monitor.IsUp)
            {
                monitor.Detail(reason);
            }
            else
            {
                monitor.Down(reason);
            }
        }

        return true;
    }

    /// <summary>A delivery, a fetched record, an assignment, a metadata answer.</summary>
    public void OnSuccess() => monitor.Up();

    /// <summary>One librdkafka log line, through the JSON logger (see <see cref="LibrdkafkaEvents.Log"/>).</summary>
    public static void OnLog(ILogger logger, int syslogLevel, string client, string facility, string message) =>
        LibrdkafkaEvents.Log(logger, syslogLevel, client, facility, message);
}
