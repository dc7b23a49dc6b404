using Confluent.Kafka;
using LogPipeline.Shipper.Lines;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Diagnostics;

/// <summary>Every log event of the shipper, source-generated (no boxing, no parsing at run time).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Shipping {Path} to Kafka topic {Topic} at {Bootstrap} as source {Source}; built-in rotation at {RotateBytes} bytes (0 = off), keeping {Keep}")]
    public static partial void Starting(ILogger logger, string path, string topic, string bootstrap, string source, long rotateBytes, int keep);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Resuming {File} ({Path}) at offset {Offset}")]
    public static partial void Resuming(ILogger logger, string file, string path, long offset);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Reading {Path} (inode {Inode}) from the start: not seen before, written after the last checkpoint")]
    public static partial void ReadingUnknownSibling(ILogger logger, string path, ulong inode);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Following {Path} (device {Device}, inode {Inode})")]
    public static partial void Following(ILogger logger, string path, ulong device, ulong inode);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "{Path} was rotated; keeping the renamed file open until it is read to its end")]
    public static partial void RotationObserved(ILogger logger, string path);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Released {Path} ({File}) at offset {Offset}")]
    public static partial void Released(ILogger logger, string path, FileIdentity? file, long offset);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "{Path} was truncated in place at read offset {Offset}; recovered {Recovered} bytes from {Copy}")]
    public static partial void Truncated(ILogger logger, string path, long offset, long recovered, string copy);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "The copy of truncated {File} was handed over after the truncation: recovered {Recovered} bytes from read offset {Offset}")]
    public static partial void TruncatedCopyLate(ILogger logger, FileIdentity file, long offset, long recovered);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "No copy of truncated {File} was found: whatever it held after read offset {Offset} is lost (nothing, if it was truncated after being read to its end)")]
    public static partial void TruncatedCopyMissing(ILogger logger, FileIdentity file, long offset);

    [LoggerMessage(EventId = 107, Level = LogLevel.Error, Message = "Backlog limit Shipper:MaxBacklogBytes ({Limit} bytes) exceeded: letting go of {File} with {Bytes} unread bytes (counted in shipper_bytes_dropped_total)")]
    public static partial void BacklogDropped(ILogger logger, long limit, string file, long bytes);

    [LoggerMessage(EventId = 144, Level = LogLevel.Error, Message = "{Count} log file(s) under {Path} were created and rotated away before they could be opened ({Total} so far): their lines are lost; rotate less often, keep more rotated files (Shipper:Rotation:Keep), or let the shipper rotate (Shipper:Rotation:MaxBytes)")]
    public static partial void FilesMissed(ILogger logger, long count, string path, long total);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Line at offset {Offset} of {File} is {Length}+ bytes; shipped its first Shipper:MaxLineBytes={Max} bytes flagged lp.truncated")]
    public static partial void LineTruncated(ILogger logger, FileIdentity file, long offset, long length, int max);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "Rotated {Path} at {Size} bytes and signalled pid {Pid}")]
    public static partial void Rotated(ILogger logger, string path, long size, int pid);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Could not signal the writer to reopen its log (Shipper:Rotation:PidFile {PidFile}): {Reason}")]
    public static partial void SignalFailed(ILogger logger, string pidFile, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Built-in rotation of {Path} failed: {Reason}")]
    public static partial void RotationFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason}")]
    public static partial void KafkaError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Kafka refused delivery ({Cause}): stopping reading; the lines in flight stay unacknowledged and the shipper exits with code {ExitCode} once the acknowledged checkpoint is written")]
    public static partial void DeliveryRefused(ILogger logger, string cause, int exitCode);

    [LoggerMessage(EventId = 125, Level = LogLevel.Error, Message = "Kafka delivery stalled ({Cause}; the limit is {StallAfter}): stopping reading; the lines in flight stay unacknowledged and the shipper exits with code {ExitCode} once the acknowledged checkpoint is written, so the restart re-sends them")]
    public static partial void DeliveryStalled(ILogger logger, string cause, TimeSpan stallAfter, int exitCode);

    [LoggerMessage(EventId = 122, Level = LogLevel.Error, Message = "Line ending at offset {Offset} of {File} dropped: Kafka will never accept it ({Reason}: {Detail}); counted in shipper_lines_dropped_total, further drops for this reason are summarised at most every {Interval}")]
    public static partial void LineDropped(ILogger logger, long offset, FileIdentity file, string reason, string detail, TimeSpan interval);

    [LoggerMessage(EventId = 124, Level = LogLevel.Error, Message = "{Count} more lines dropped ({Reason}) in the last {Elapsed}; {Total} dropped for this reason since start")]
    public static partial void LinesDroppedSummary(ILogger logger, long count, string reason, TimeSpan elapsed, long total);

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Writing checkpoints to {Path} failed: {Reason}")]
    public static partial void CheckpointFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Checkpoint registry {Path} is unreadable ({Reason}); starting without it")]
    public static partial void CheckpointUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "Cannot read {Path}: {Reason}")]
    public static partial void ReadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Shutting down: draining files and waiting for Kafka (grace {Grace})")]
    public static partial void Draining(ILogger logger, TimeSpan grace);

    [LoggerMessage(EventId = 141, Level = LogLevel.Information, Message = "Stopped: every line read was delivered ({Lines} lines this run)")]
    public static partial void StoppedClean(ILogger logger, long lines);

    [LoggerMessage(EventId = 142, Level = LogLevel.Error, Message = "Stopped with {Lines} lines ({Bytes} bytes) undelivered and {Unread} bytes unread; they will be re-read from the checkpoint on the next start if the files survive")]
    public static partial void StoppedUndelivered(ILogger logger, long lines, long bytes, long unread);

    [LoggerMessage(EventId = 145, Level = LogLevel.Critical, Message = "Stopped with exit code {ExitCode}: Kafka refused delivery ({Cause}). {Lines} lines ({Bytes} bytes) read and not acknowledged and {Unread} bytes unread stay behind the checkpoint and are re-sent after the restart")]
    public static partial void StoppedRefused(ILogger logger, int exitCode, string cause, long lines, long bytes, long unread);

    [LoggerMessage(EventId = 143, Level = LogLevel.Critical, Message = "Shipper failed")]
    public static partial void Failed(ILogger logger, Exception exception);
}
