namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// Where a file (or a descriptor the watcher handed over) stands in the tail loop. The state is the truth;
/// <see cref="FileSet"/> keeps one collection per group of states only as an index. Owned by the tail loop.
/// </summary>
internal enum FileState
{
    /// <summary>A descriptor from the watcher whose head cannot be compared yet (a copy may still be being written).</summary>
    Unclassified,

    /// <summary>A descriptor whose content starts like the live file's: the copy a copytruncate will need.</summary>
    CopyCandidate,

    /// <summary>The file the configured path points at: read as it grows.</summary>
    Live,

    /// <summary>Renamed away (or deleted); the writer may still append through its old descriptor.</summary>
    Rotated,

    /// <summary>Renamed away and a newer file got data: the writer has reopened; let go after the settle period.</summary>
    WriterMovedOn,

    /// <summary>
    /// The copy of a truncated live file, read on under the live file's identity. Nobody writes it, so it is let
    /// go once read to its end and quiet for the settle period (no "writer moved on" signal to wait for).
    /// </summary>
    FinishingCopy,

    /// <summary>
    /// A live file truncated before its unread rest was read, with no copy at <c>path.1</c> when that was noticed:
    /// the rotator may already have replaced the copy, but the watcher may hold a descriptor of it that the loop has
    /// not taken yet (it opens every new chain file at once, on its own thread). Its identity, read offset, partial
    /// line and checkpoint progress are kept and nothing is read from it; a descriptor starting with its content and
    /// holding more than was read finishes it (<see cref="FinishingCopy"/>). Let go after the settle period.
    /// </summary>
    AwaitingCopy,

    /// <summary>Closed; its checkpoint entry stays until every line is acknowledged, its identity is remembered.</summary>
    Released,

    /// <summary>A descriptor closed without being read (already held, already released, a copy of finished content).</summary>
    Closed,
}

/// <summary>What a pass observed about one file (the input of <see cref="FileTransitions.Next"/>).</summary>
internal enum FileEvent
{
    /// <summary>Handed-over descriptor: its head is not complete yet and the settle period has not passed.</summary>
    HeadIncomplete,

    /// <summary>Handed-over descriptor: it starts with the live file's content.</summary>
    CopyOfLive,

    /// <summary>Handed-over descriptor: it starts with the content of a file <see cref="FileState.AwaitingCopy"/> and holds more.</summary>
    CopyOfTruncated,

    /// <summary>Handed-over descriptor: already held, already released, or a copy of finished content.</summary>
    Known,

    /// <summary>A new file the path points at.</summary>
    FoundAtPath,

    /// <summary>A new file already renamed away when it was met (creations seen out of order, fast rotation).</summary>
    FoundRenamed,

    /// <summary>Start-up: a rotated sibling picked up from the checkpoint (or unknown and unshipped).</summary>
    Recovered,

    /// <summary>The path no longer points at the live file (renamed or deleted by someone else).</summary>
    PathMovedAway,

    /// <summary>The shipper's own rotation renamed the live file to <c>path.1</c>.</summary>
    RotatedByShipper,

    /// <summary>The path points at a file held as renamed: it is the live file after all.</summary>
    PathPointsHere,

    /// <summary>Another file at the path has data: the writer reopened.</summary>
    NewerFileHasData,

    /// <summary>The live file shrank (or its head changed) and the copy holding the unread rest was found.</summary>
    TruncatedCopyFound,

    /// <summary>
    /// The live file shrank (or its head changed) and no copy of its content was found, but its identity is known, so
    /// a copy the watcher opened earlier can still be recognised.
    /// </summary>
    TruncatedCopyPending,

    /// <summary>The live file shrank (or its head changed), no copy was found and its identity is unknown.</summary>
    TruncatedNoCopy,

    /// <summary>A file <see cref="FileState.AwaitingCopy"/> for the settle period: no copy came, its unread rest is lost.</summary>
    NoCopyInTime,

    /// <summary>Read to its end and the release policy says it is done.</summary>
    Done,

    /// <summary>The unread backlog exceeds <c>Shipper:MaxBacklogBytes</c>: the oldest renamed file is given up.</summary>
    BacklogExceeded,
}

/// <summary>Side effects a transition asks of the tail loop, in the order listed.</summary>
[Flags]
internal enum TransitionActions
{
    None = 0,

    /// <summary>Count and log a followed rotation.</summary>
    CountRotation = 1,

    /// <summary>The idle clock (last growth) restarts now.</summary>
    RestartGrowthClock = 2,

    /// <summary>Remember when the writer moved on (start of the settle period).</summary>
    StampWriterMovedOn = 4,

    /// <summary>Ship an unterminated last line before closing (the writer is done with it).</summary>
    FlushPartialLine = 8,

    /// <summary>Drop an unterminated last line (its rest is gone; counted as dropped bytes).</summary>
    DiscardPartialLine = 16,

    /// <summary>Close the descriptor, keep the checkpoint entry until acknowledged, remember the identity.</summary>
    Release = 32,

    /// <summary>Close the descriptor (nothing of it was read).</summary>
    Close = 64,
}

/// <summary>
/// The tail loop's state machine as a table: (state, event) → (next state, actions). Pure; a pair not in the
/// table is a bug in the caller and throws rather than leaving a file in a state nobody handles.
/// </summary>
internal static class FileTransitions
{
    /// <summary>States of a descriptor held open and read (the renamed ones are kept oldest first).</summary>
    public static bool IsRenamed(FileState state) =>
        state is FileState.Rotated or FileState.WriterMovedOn or FileState.FinishingCopy;

    public static (FileState Next, TransitionActions Actions) Next(FileState state, FileEvent evt) => (state, evt) switch
    {
        (FileState.Unclassified, FileEvent.HeadIncomplete) => (FileState.Unclassified, TransitionActions.None),
        (FileState.Unclassified, FileEvent.CopyOfLive) => (FileState.CopyCandidate, TransitionActions.None),
        (FileState.Unclassified, FileEvent.Known) => (FileState.Closed, TransitionActions.Close),
        (FileState.Unclassified, FileEvent.FoundAtPath) => (FileState.Live, TransitionActions.None),
        (FileState.Unclassified, FileEvent.FoundRenamed) =>
            (FileState.Rotated, TransitionActions.CountRotation | TransitionActions.RestartGrowthClock),
        (FileState.Unclassified, FileEvent.Recovered) => (FileState.Rotated, TransitionActions.None),

        // A newer copy replaces the candidate. A used candidate's descriptor becomes the live file's (Live → FinishingCopy).
        (FileState.CopyCandidate, FileEvent.CopyOfLive) => (FileState.Closed, TransitionActions.Close),

        (FileState.Live, FileEvent.PathMovedAway or FileEvent.RotatedByShipper) =>
            (FileState.Rotated, TransitionActions.CountRotation | TransitionActions.RestartGrowthClock),
        (FileState.Live, FileEvent.TruncatedCopyFound) => (FileState.FinishingCopy, TransitionActions.None),
        (FileState.Live, FileEvent.TruncatedCopyPending) => (FileState.AwaitingCopy, TransitionActions.RestartGrowthClock),
        (FileState.Live, FileEvent.TruncatedNoCopy) =>
            (FileState.Released, TransitionActions.DiscardPartialLine | TransitionActions.Release),

        // The copy arrived after the truncation was handled: read on from it at the same offsets (the partial line
        // kept by the reader is completed by the copy).
        (FileState.AwaitingCopy, FileEvent.CopyOfTruncated) => (FileState.FinishingCopy, TransitionActions.RestartGrowthClock),
        (FileState.AwaitingCopy, FileEvent.NoCopyInTime) =>
            (FileState.Released, TransitionActions.DiscardPartialLine | TransitionActions.Release),

        (FileState.Rotated or FileState.WriterMovedOn, FileEvent.PathPointsHere) => (FileState.Live, TransitionActions.None),
        (FileState.Rotated, FileEvent.NewerFileHasData) => (FileState.WriterMovedOn, TransitionActions.StampWriterMovedOn),

        (FileState.Rotated or FileState.WriterMovedOn or FileState.FinishingCopy, FileEvent.Done) =>
            (FileState.Released, TransitionActions.FlushPartialLine | TransitionActions.Release),
        (FileState.Rotated or FileState.WriterMovedOn or FileState.FinishingCopy, FileEvent.BacklogExceeded) =>
            (FileState.Released, TransitionActions.Release),

        _ => throw new InvalidOperationException($"No transition from {state} on {evt}."),
    };
}
