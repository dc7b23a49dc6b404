using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// One open file: its descriptor (kept across renames — reading through it is what makes rename
/// rotation lossless), its identity once known, the line reader, its <see cref="FileState"/> and the timestamps the
/// <see cref="ReleasePolicy"/> reads. Owned by the tail loop; state changes go through <see cref="FileSet.Apply"/>.
/// </summary>
internal sealed class TailedFile : IDisposable
{
    public TailedFile(string path, SafeFileHandle handle, FileStatus status, LineReader reader, long openedAt)
    {
        Path = path;
        Handle = handle;
        Status = status;
        Reader = reader;
        LastGrowth = openedAt;
    }

    /// <summary>Where the file was last known to be (the live path, or where it was renamed to).</summary>
    public string Path { get; set; }

    public SafeFileHandle Handle { get; private set; }

    /// <summary>Device and inode from the descriptor; size as of the last check.</summary>
    public FileStatus Status { get; private set; }

    public FileIdentity? Identity { get; set; }

    /// <summary>
    /// The bytes <see cref="Identity"/>'s fingerprint was computed from, when they were read (null: compare by hash).
    /// Kept so the head check after each read compares bytes instead of hashing them again.
    /// </summary>
    public byte[]? Head { get; set; }

    public FileProgress? Progress { get; set; }

    public LineReader Reader { get; }

    /// <summary>Opened but not yet placed (<see cref="FileState.Unclassified"/>) until the first transition.</summary>
    public FileState State { get; set; } = FileState.Unclassified;

    /// <summary>Timestamp (TimeProvider) at which the file entered <see cref="FileState.WriterMovedOn"/>.</summary>
    public long WriterMovedAt { get; set; }

    /// <summary>Timestamp of the last observed growth (idle-release fallback).</summary>
    public long LastGrowth { get; set; }

    public long UnreadBytes => Math.Max(0, Status.Size - Reader.ReadOffset);

    /// <summary>Refreshes size from the descriptor; returns true when the file grew.</summary>
    public bool Refresh(long now)
    {
        var previous = Status.Size;
        Status = LibC.StatHandle(Handle);
        if (Status.Size > previous)
        {
            LastGrowth = now;
            return true;
        }

        return false;
    }

    /// <summary>
    /// True when the file still starts with what was read of it: the bytes the fingerprint was computed from once the
    /// identity is known (the fingerprint itself for an identity whose bytes were not kept), before that the bytes
    /// buffered so far (nothing is cut before the identity is known, so they are the file's head).
    /// False means the content was replaced in place (truncated and written again) since. Reads at most 256 bytes.
    /// </summary>
    public bool HeadUnchanged()
    {
        if (Head is { } head)
        {
            return FileIdentity.StartsWith(Handle, head);
        }

        if (Identity is { } identity)
        {
            return identity.Matches(Handle);
        }

        // Not the head when reading started past 0 (a resumed file always has its identity; kept for safety).
        return Reader.ReadOffset - Reader.Pending != 0 || FileIdentity.StartsWith(Handle, Reader.Buffered);
    }

    /// <summary>Continues reading the same content through another descriptor (the copy of a copytruncate).</summary>
    public void SwapHandle(SafeFileHandle handle, string path)
    {
        Handle.Dispose();
        Handle = handle;
        Path = path;
        Status = LibC.StatHandle(handle);
    }

    public void Dispose()
    {
        Reader.ReturnBuffer();
        Handle.Dispose();
    }
}
