using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>An <see cref="ILoggerFactory"/> that keeps every log entry (level, event id, formatted message) for assertions.</summary>
internal sealed class CapturingLoggers : ILoggerFactory
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(_entries);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record Entry(LogLevel Level, int EventId, string Message);

    private sealed class Logger(ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new Entry(logLevel, eventId.Id, formatter(state, exception)));
    }
}
