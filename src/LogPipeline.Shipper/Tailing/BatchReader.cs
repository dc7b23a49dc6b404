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

    /// <summary>
    /// Reads a file to its end, until the budget is spent, or until its content turns out to have been replaced.
    /// With <paramref name="checkHead"/> (the live file: the only one a copytruncate rewrites in place) every chunk is
    /// checked before its lines are cut: a copytruncate whose writer refilled the file past the read offset since the
    /// pass's size check (or since the previous chunk) leaves the size looking like growth, and the read at the old
    /// offset returns new content, possibly after a last piece of the old (a read that straddles the truncation). The
    /// head, read after the chunk, tells: if it no longer matches, the whole chunk is put back unread and
    /// <see cref="ReadOutcome.Replaced"/> reported, so the caller handles the truncation with the read offset still at
    /// the last byte known to be old content. A truncation after the check means the chunk was read before it: old content.
    /// </summary>
    public async ValueTask<ReadOutcome> ReadAsync(TailedFile file, bool checkHead, CancellationToken cancellationToken)
    {
        var read = false;
        while (true)
        {
            if (!budget.HasRoom)
            {
                return new(read, AtEnd: false, Replaced: false);
            }

            int n;
            try
            {
                n = file.Reader.Fill(file.Handle);
                if (n > 0 && checkHead && !file.HeadUnchanged())
                {
                    file.Reader.Unfill(n);
                    return new(Read: true, AtEnd: false, Replaced: true);
                }
            }
            catch (IOException ex)
            {
                Log.ReadFailed(logger, file.Path, ex.Message);
                return new(read, AtEnd: false, Replaced: false);
            }

            if (n == 0)
            {
                return new(read, AtEnd: true, Replaced: false);
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

    /// <summary>
    /// A live file whose identity is not known yet (new, or emptied by a truncation): computes it from the file's head
    /// now, before the pass compares handed-over descriptors with it. Otherwise a copytruncate copy of its content would
    /// match nothing, be read as a new file, and its lines be read again from the live file. Nothing is read into the
    /// line buffer: the head check after the next read compares the file with these bytes, so a truncation in between
    /// is still noticed. Bytes already buffered (an incomplete first line) must be the start of the head.
    /// </summary>
    public void Identify(TailedFile file)
    {
        if (file.Identity is not null || file.Reader.ReadOffset - file.Reader.Pending != 0)
        {
            return;
        }

        Span<byte> head = stackalloc byte[FileIdentity.MaxFingerprintBytes];
        int read;
        try
        {
            read = RandomAccess.Read(file.Handle, head, 0); // One pread: a short one leaves the identity to the next read.
        }
        catch (IOException ex)
        {
            Log.ReadFailed(logger, file.Path, ex.Message);
            return;
        }

        var buffered = file.Reader.Buffered;
        if (FileIdentity.TryCompute(head[..read], file.Status.Device, file.Status.Inode) is not { } identity
            || !head[..read].StartsWith(buffered[..Math.Min(buffered.Length, read)]) || buffered.Length > read)
        {
            return;
        }

        SetIdentity(file, identity, head[..identity.FingerprintLength].ToArray());
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
        var head = new byte[identity.FingerprintLength];
        if (RandomAccess.Read(file.Handle, head, 0) == head.Length && FileIdentity.Hash(head) == identity.Fingerprint)
        {
            file.Head = head;
        }

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

        // From the bytes read rather than the file's head read again: the lines shipped under the identity are the ones
        // it was computed from, and the head check after each read compares the file with them. Nothing is cut before
        // the identity is known, so the buffer starts at offset 0 (a resumed file comes with its identity).
        var fromBuffer = file.Reader.ReadOffset - file.Reader.Pending == 0;
        var identity = fromBuffer
            ? FileIdentity.TryCompute(file.Reader.Buffered, file.Status.Device, file.Status.Inode, allowShort)
            : FileIdentity.TryCompute(file.Handle, file.Status.Device, file.Status.Inode, allowShort);
        if (identity is null)
        {
            return false;
        }

        SetIdentity(file, identity, fromBuffer ? file.Reader.Buffered[..identity.FingerprintLength].ToArray() : null);
        return true;
    }

    private void SetIdentity(TailedFile file, FileIdentity identity, byte[]? head)
    {
        file.Identity = identity;
        file.Head = head;
        file.Progress = new FileProgress(identity, file.Reader.ReadOffset - file.Reader.Pending, file.Path);
        registry.Add(file.Progress);
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

/// <summary>What one <see cref="BatchReader.ReadAsync"/> did.</summary>
/// <param name="Read">Bytes were read (a put-back chunk counts: the next pass should come at once).</param>
/// <param name="AtEnd">The file was read to its end.</param>
/// <param name="Replaced">The file no longer starts with what was read of it: truncated and written again since the
/// last check; the last chunk was put back.</param>
internal readonly record struct ReadOutcome(bool Read, bool AtEnd, bool Replaced);
