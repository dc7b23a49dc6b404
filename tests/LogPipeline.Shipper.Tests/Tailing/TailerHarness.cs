using LogPipeline.Shipper.Lines;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Threading.Channels;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Options;
using LogPipeline.Shipper.Publishing;
using LogPipeline.Shipper.Tailing;
using LogPipeline.Shipper.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tests.Tailing;

/// <summary>
/// A <see cref="Tailer"/> over a temp directory with a fake clock: passes are driven by hand and every batch the
/// loop hands over is collected (lines are acknowledged only when a test says so).
/// </summary>
internal sealed class TailerHarness : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Channel<LineBatch> _channel = Channel.CreateUnbounded<LineBatch>();
    private readonly List<PendingLine> _unacked = [];

    /// <param name="openedFiles">Stands in for the inotify watcher when a test decides when descriptors are handed over.</param>
    public TailerHarness(Action<ShipperOptions>? configure = null, IOpenedFiles? openedFiles = null)
    {
        Path = _dir.Combine("access.log");
        Options = new ShipperOptions { Path = Path, StateDirectory = _dir.Combine("state") };
        configure?.Invoke(Options);
        Metrics = new ShipperMetrics(new MetricsRegistry());
        Budget = new InFlightBudget(Options.MaxInFlightBytes);
        Tailer = Tailer.Create(Options, Budget, new HookedWriter(_channel.Writer, this), Registry, Metrics, Time, NullLogger.Instance, openedFiles);
    }

    /// <summary>
    /// Runs once, right after the tail loop hands over its next batch, while the pass goes on: what the writer or a
    /// rotator does between two reads of one pass (or between a pass's size check and its read).
    /// </summary>
    public Action? AfterNextBatch { get; set; }

    /// <summary>Every line handed over so far, with the fingerprint of the file identity it was sent under.</summary>
    public List<(string Fingerprint, long Offset, string Text)> Shipped { get; } = [];

    public string Path { get; }

    public ShipperOptions Options { get; }

    public FakeTimeProvider Time { get; } = new();

    public ShipperMetrics Metrics { get; }

    public InFlightBudget Budget { get; }

    public ProgressRegistry Registry { get; } = new();

    public Tailer Tailer { get; }

    public string Dir(string name) => _dir.Combine(name);

    public void Write(string text, string? path = null) => File.WriteAllText(path ?? Path, text);

    public void Append(string text, string? path = null) => File.AppendAllText(path ?? Path, text);

    /// <summary>One pass; returns the lines it handed over, in order.</summary>
    public async Task<List<string>> PassAsync(bool draining = false)
    {
        await Tailer.TickAsync(draining, TestContext.Current.CancellationToken);
        var lines = new List<string>();
        while (_channel.Reader.TryRead(out var batch))
        {
            foreach (var line in batch.Lines)
            {
                lines.Add(Encoding.UTF8.GetString(batch.Value(line)));
                Shipped.Add((batch.File.Fingerprint, line.Offset, lines[^1]));
                _unacked.Add(line.Pending);
            }

            Budget.Release(batch.Bytes, batch.Lines.Count);
            batch.Release();
        }

        return lines;
    }

    /// <summary>Kafka acknowledges every line handed over so far.</summary>
    public void AckAll()
    {
        foreach (var pending in _unacked)
        {
            pending.Owner.Complete(pending);
        }

        _unacked.Clear();
    }

    public void Dispose()
    {
        Tailer.Dispose();
        _dir.Dispose();
    }
}

/// <summary>The tail loop's channel writer, calling <see cref="TailerHarness.AfterNextBatch"/> once after a write.</summary>
internal sealed class HookedWriter(ChannelWriter<LineBatch> inner, TailerHarness harness) : ChannelWriter<LineBatch>
{
    public override bool TryWrite(LineBatch item)
    {
        if (!inner.TryWrite(item))
        {
            return false;
        }

        var hook = harness.AfterNextBatch;
        harness.AfterNextBatch = null;
        hook?.Invoke();
        return true;
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
        inner.WaitToWriteAsync(cancellationToken);
}

/// <summary>The watcher's hand-over queue, filled by the test: descriptors reach the tail loop when the test says.</summary>
internal sealed class HandedOverFiles : IOpenedFiles
{
    private readonly Queue<SafeFileHandle> _queue = new();

    public long MissedFiles => 0;

    /// <summary>Opens <paramref name="path"/> now, as the watcher does the moment a chain file appears.</summary>
    public SafeFileHandle Open(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    public void HandOver(SafeFileHandle handle) => _queue.Enqueue(handle);

    public void EnsureWatching(string directory)
    {
    }

    public bool TryTakeOpened([NotNullWhen(true)] out SafeFileHandle? handle) => _queue.TryDequeue(out handle);

    public void Dispose()
    {
        while (_queue.TryDequeue(out var handle))
        {
            handle.Dispose();
        }
    }
}
