using LogPipeline.Shipper.Lines;
using System.Threading.Channels;
using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Native;
using LogPipeline.Shipper.Options;
using LogPipeline.Shipper.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// The reader/batcher: opens files with a <see cref="LineReader"/>, reads them as far as the in-flight budget
/// allows, cuts the lines into <see cref="LineBatch"/>es (each line tracked in the file's checkpoint progress) and
/// hands them to the publisher channel.
/// Threading: called only by the tail loop. The budget is shared with the Kafka poll thread (which releases it) and
/// the channel with the publisher (its only reader); both are thread-safe by themselves.
/// </summary>
internal sealed class BatchReader(
    ShipperOptions options,
    InFlightBudget budget,
    ChannelWriter<LineBatch> channel,
    ProgressRegistry registry,
    ShipperMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>Opens a file by path; null when it vanished or cannot be read (the next pass sees the new state).</summary>
    public TailedFile? Open(string path, long startOffset, long now)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // Renamed again between stat and open: the next pass sees the new state.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.ReadFailed(logger, path, ex.Message);
            return null;
        }

        var status = LibC.StatHandle(handle);
        return Adopt(path, handle, status, startOffset, now);
    }

    /// <summary>Wraps a descriptor (opened by the watcher or <see cref="Open"/>) to be read from <paramref name="startOffset"/>.</summary>
    public TailedFile Adopt(string path, SafeFileHandle handle, FileStatus status, long startOffset, long now)
    {
        Log.Following(logger, path, status.Device, status.Inode);
        return new TailedFile(path, handle, status with { Size = 0 }, new LineReader(options.MaxLineBytes, startOffset), now);
    }

    /// <summary>Reads a file to its end or until the budget is spent; returns (read anything, reached the end).</summary>
    public async ValueTask<(bool Read, bool AtEnd)> ReadAsync(TailedFile file, CancellationToken cancellationToken)
    {
        var read = false;
        while (true)
        {
            if (!budget.HasRoom)
            {
                return (read, false);
            }

            int n;
            try
            {
                n = file.Reader.Fill(file.Handle);
            }
            catch (IOException ex)
            {
                Log.ReadFailed(logger, file.Path, ex.Message);
                return (read, false);
            }

            if (n == 0)
            {
                return (read, true);
            }

            read = true;
            metrics.BytesRead.Increment(n);
            if (!EnsureIdentity(file, allowShort: false))
            {
                continue; // The first line is not complete yet: nothing can be shipped before it is.
            }

            var batch = NewBatch(file);
            file.Reader.Split(batch);
            await SendAsync(batch.Batch, cancellationToken);
        }
    }

    /// <summary>The writer is done with the file: ship a last unterminated line.</summary>
    public async ValueTask FlushPartialAsync(TailedFile file, CancellationToken cancellationToken)
    {
        if (file.Reader.Pending > 0 && EnsureIdentity(file, allowShort: true))
        {
            var batch = NewBatch(file);
            file.Reader.FlushPartial(batch);
            await SendAsync(batch.Batch, cancellationToken);
        }
    }

    /// <summary>The file's content is gone: an incomplete line can never be completed (counted as dropped).</summary>
    public void DiscardPartial(TailedFile file) => metrics.BytesDropped.Increment(file.Reader.Discard());

    /// <summary>Start-up: a file known to the checkpoint resumes under its recorded identity.</summary>
    public void Resume(TailedFile file, FileIdentity identity, long offset)
    {
        file.Identity = identity;
        file.Progress = new FileProgress(identity, offset, file.Path);
        registry.Add(file.Progress);
    }

    private BatchBuilder NewBatch(TailedFile file) => new(file, time.GetTimestamp(), metrics, logger, options.MaxLineBytes);

    private bool EnsureIdentity(TailedFile file, bool allowShort)
    {
        if (file.Identity is not null)
        {
            return true;
        }

        var identity = FileIdentity.TryCompute(file.Handle, file.Status.Device, file.Status.Inode, allowShort);
        if (identity is null)
        {
            return false;
        }

        file.Identity = identity;
        file.Progress = new FileProgress(identity, file.Reader.ReadOffset - file.Reader.Pending, file.Path);
        registry.Add(file.Progress);
        return true;
    }

    private async ValueTask SendAsync(LineBatch? batch, CancellationToken cancellationToken)
    {
        if (batch is null || batch.Lines.Count == 0)
        {
            return;
        }

        budget.Add(batch.Bytes, batch.Lines.Count);
        // Never blocks: the channel is bounded by the byte budget checked before each read.
        if (!channel.TryWrite(batch))
        {
            await channel.WriteAsync(batch, cancellationToken);
        }
    }

    /// <summary>Builds one batch from what the line reader finds; runs on the tail loop.</summary>
    private sealed class BatchBuilder(TailedFile file, long timestamp, ShipperMetrics metrics, ILogger logger, int maxLineBytes)
        : ILineSink
    {
        public LineBatch? Batch { get; private set; }

        public void OnLine(ReadOnlySpan<byte> line, long offset, long commitOffset, bool truncated)
        {
            var progress = file.Progress!;
            Batch ??= LineBatch.Rent(file.Identity!);
            var pending = progress.Track(commitOffset, line.Length + InFlightBudget.PerLineOverhead, timestamp);
            Batch.Add(line, offset, truncated, pending);
            metrics.LinesRead.Increment();
            if (truncated)
            {
                metrics.LinesTruncated.Increment();
                Log.LineTruncated(logger, file.Identity!, offset, line.Length, maxLineBytes);
            }
        }

        public void OnSkipped(long commitOffset) => file.Progress!.Skip(commitOffset);
    }
}
