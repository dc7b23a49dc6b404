using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// One open file: its descriptor (kept across renames — reading through it is what makes rename
/// rotation lossless), its identity once known, the line reader and the rotation bookkeeping.
/// Owned by the tail loop.
/// </summary>
internal sealed class TailedFile : IDisposable
{
    public TailedFile(string path, SafeFileHandle handle, FileStatus status, int maxLineBytes, long startOffset, long openedAt)
    {
        Path = path;
        Handle = handle;
        Status = status;
        Reader = new LineReader(maxLineBytes, startOffset);
        LastGrowth = openedAt;
    }

    /// <summary>Where the file was last known to be (the live path, or where it was renamed to).</summary>
    public string Path { get; set; }

    public SafeFileHandle Handle { get; private set; }

    /// <summary>Device and inode from the descriptor; size as of the last check.</summary>
    public FileStatus Status { get; private set; }

    public FileIdentity? Identity { get; set; }

    public FileProgress? Progress { get; set; }

    public LineReader Reader { get; }

    /// <summary>No longer the live file: read it to its end, then let it go once the writer has moved on.</summary>
    public bool Rotated { get; set; }

    /// <summary>The writer is known to have stopped writing here (newer file got data, or the file is a copy).</summary>
    public bool WriterMovedOn { get; set; }

    /// <summary>Timestamp (TimeProvider) at which <see cref="WriterMovedOn"/> became true.</summary>
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
