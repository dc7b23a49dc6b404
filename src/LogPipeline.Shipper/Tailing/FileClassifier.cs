namespace LogPipeline.Shipper.Tailing;

/// <summary>Which held or remembered content a descriptor's head matches.</summary>
internal enum ContentMatch
{
    None,

    /// <summary>Starts with the live file's fingerprint: a copytruncate copy of what is still being read.</summary>
    Live,

    /// <summary>
    /// Starts with the fingerprint of a file <see cref="FileState.AwaitingCopy"/> and holds more than was read of it: the
    /// copy of a truncated live file, handed over after the truncation was handled.
    /// </summary>
    Truncated,

    /// <summary>Starts with a renamed or released file's fingerprint: a copy of content already read.</summary>
    Finished,
}

/// <summary>
/// What a pass observed about one descriptor the watcher handed over. Everything that needs I/O (stat, reading the
/// head, comparing fingerprints) is done by the caller; the classification itself is pure.
/// </summary>
/// <param name="Held">Same device+inode as a file already held open.</param>
/// <param name="Released">Same device+inode and fingerprint as a recently released file (a late descriptor of it).</param>
/// <param name="AtPath">The configured path points at it.</param>
/// <param name="Settled">It arrived at least the settle period ago.</param>
/// <param name="HeadComplete">Its first line is complete, so its fingerprint could be computed.</param>
/// <param name="Content">Which known content its head matches (only meaningful with a complete head).</param>
internal readonly record struct Handoff(bool Held, bool Released, bool AtPath, bool Settled, bool HeadComplete, ContentMatch Content);

/// <summary>
/// The classifier: new / copied / already known, for descriptors the watcher opened; truncation and copy
/// usability for the live file. Pure functions over what a pass observed.
/// </summary>
internal static class FileClassifier
{
    /// <summary>
    /// Inode reuse is handled by the caller's <see cref="Handoff.Released"/>: same device+inode alone is not enough,
    /// the content must start with the released file's fingerprint too.
    /// </summary>
    public static FileEvent Classify(in Handoff handoff)
    {
        if (handoff.Held || handoff.Released)
        {
            return FileEvent.Known;
        }

        // A sibling whose first line is not complete yet may be a copy still being written (copytruncate):
        // decide once its head can be compared, or after the settle period.
        if (!handoff.AtPath && !handoff.Settled && !handoff.HeadComplete)
        {
            return FileEvent.HeadIncomplete;
        }

        if (handoff.HeadComplete)
        {
            switch (handoff.Content)
            {
                case ContentMatch.Live:
                    return FileEvent.CopyOfLive;
                case ContentMatch.Truncated:
                    return FileEvent.CopyOfTruncated;
                case ContentMatch.Finished:
                    return FileEvent.Known;
            }
        }

        return handoff.AtPath ? FileEvent.FoundAtPath : FileEvent.FoundRenamed;
    }

    /// <summary>
    /// The live file was truncated (copytruncate) when it is now shorter than what was read, or when it changed
    /// size and no longer starts with its fingerprint. <paramref name="headStillMatches"/> reads the file, so it is
    /// asked only when the size changed and the identity is known.
    /// </summary>
    public static bool IsTruncated(long sizeBefore, long sizeNow, long readOffset, bool identityKnown, Func<bool> headStillMatches) =>
        sizeNow < readOffset || (identityKnown && sizeNow != sizeBefore && !headStillMatches());

    /// <summary>
    /// A copy can finish the truncated live file when it is another file, holds at least what was read
    /// (<paramref name="allowEqual"/>: a copy caught before the truncation may hold exactly that), and starts with the
    /// live file's fingerprint.
    /// </summary>
    public static bool CopyUsable(bool sameFileAsLive, long copySize, long readOffset, bool allowEqual, bool headMatches) =>
        !sameFileAsLive && (allowEqual ? copySize >= readOffset : copySize > readOffset) && headMatches;
}
