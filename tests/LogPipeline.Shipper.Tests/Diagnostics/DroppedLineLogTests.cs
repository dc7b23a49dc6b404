using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Lines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Shipper.Tests.Diagnostics;

public sealed class DroppedLineLogTests
{
    private static readonly FileIdentity File = new(1, 2, 4, "ab");

    [Fact]
    public void Ten_thousand_drops_in_a_burst_write_one_line_and_one_summary_per_interval()
    {
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        var log = new DroppedLineLog(logger, time);

        for (var i = 0; i < 10_000; i++)
        {
            log.Record(DropReason.MessageTooLarge, File, i, "Broker: Message size too large");
        }

        log.Report();
        Assert.Single(logger.Lines); // the first drop, in full; the rest wait for the interval
        Assert.Contains("msg_size_too_large", logger.Lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("Message size too large", logger.Lines[0].Message, StringComparison.Ordinal);

        time.Advance(DroppedLineLog.Interval);
        log.Report();
        log.Report();
        Assert.Equal(2, logger.Lines.Count);
        Assert.Contains("9999 more lines dropped (msg_size_too_large)", logger.Lines[1].Message, StringComparison.Ordinal);
        Assert.Contains("10000 dropped", logger.Lines[1].Message, StringComparison.Ordinal);
        Assert.All(logger.Lines, l => Assert.Equal(LogLevel.Error, l.Level));
    }

    [Fact]
    public void Reasons_are_limited_separately_and_a_forced_report_flushes_what_is_pending()
    {
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        var log = new DroppedLineLog(logger, time);

        log.Record(DropReason.MessageTooLarge, File, 1, "too large");
        log.Record(DropReason.InvalidRecord, File, 2, "invalid");
        log.Record(DropReason.InvalidRecord, File, 3, "invalid");
        log.Report(force: true);

        Assert.Equal(3, logger.Lines.Count);
        Assert.Contains("invalid_record", logger.Lines[1].Message, StringComparison.Ordinal);
        Assert.Contains("1 more lines dropped (invalid_record)", logger.Lines[2].Message, StringComparison.Ordinal);

        // After a quiet interval the next drop is logged in full again.
        time.Advance(DroppedLineLog.Interval);
        log.Record(DropReason.InvalidRecord, File, 4, "invalid");
        Assert.Equal(4, logger.Lines.Count);
        Assert.Contains("offset 4", logger.Lines[3].Message, StringComparison.Ordinal);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
