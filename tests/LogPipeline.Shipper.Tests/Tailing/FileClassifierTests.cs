using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class FileClassifierTests
{
    public static TheoryData<string, bool, bool, bool, bool, bool, string, string> Handoffs => new()
    {
        { "already held (a second watcher event for the live file)", true, false, true, false, true, nameof(ContentMatch.Live), nameof(FileEvent.Known) },
        { "late descriptor of a released file", false, true, false, true, true, nameof(ContentMatch.Finished), nameof(FileEvent.Known) },
        // Inode reuse: same device+inode as a released file but another fingerprint, so Released is false: a new file.
        { "inode reused by a new file, renamed already", false, false, false, true, true, nameof(ContentMatch.None), nameof(FileEvent.FoundRenamed) },
        { "inode reused by a new file at the path", false, false, true, false, true, nameof(ContentMatch.None), nameof(FileEvent.FoundAtPath) },
        // Copytruncate: the copy is being written, its first line is not complete.
        { "sibling with an incomplete head, young", false, false, false, false, false, nameof(ContentMatch.None), nameof(FileEvent.HeadIncomplete) },
        { "sibling with an incomplete head, settled", false, false, false, true, false, nameof(ContentMatch.None), nameof(FileEvent.FoundRenamed) },
        { "the path with an incomplete head is not held back", false, false, true, false, false, nameof(ContentMatch.None), nameof(FileEvent.FoundAtPath) },
        { "copy of the live content", false, false, false, false, true, nameof(ContentMatch.Live), nameof(FileEvent.CopyOfLive) },
        { "copy of finished content", false, false, false, false, true, nameof(ContentMatch.Finished), nameof(FileEvent.Known) },
        // Copytruncate twice between passes: the first copy reaches the loop after its truncation was handled.
        { "copy of a truncated file's unread rest, handed over late", false, false, false, false, true, nameof(ContentMatch.Truncated), nameof(FileEvent.CopyOfTruncated) },
        { "copy of a truncated file, still being written", false, false, false, false, false, nameof(ContentMatch.Truncated), nameof(FileEvent.HeadIncomplete) },
        // Rotation while unread: a file already renamed away when met is read as rotated.
        { "new file renamed before it was seen", false, false, false, false, true, nameof(ContentMatch.None), nameof(FileEvent.FoundRenamed) },
    };

    [Theory]
    [MemberData(nameof(Handoffs))]
    public void Classifies_handed_over_descriptors(
        string because, bool held, bool released, bool atPath, bool settled, bool headComplete, string content, string expected)
    {
        var handoff = new Handoff(held, released, atPath, settled, headComplete, Enum.Parse<ContentMatch>(content));
        Assert.True(FileClassifier.Classify(handoff) == Enum.Parse<FileEvent>(expected), because);
    }

    [Theory]
    [InlineData(100, 40, 100, true, true, true)] // Shorter than what was read: truncated.
    [InlineData(100, 100, 100, true, false, false)] // Same size: the head is not even checked.
    [InlineData(100, 150, 100, true, true, false)] // Grew, still starts with its fingerprint: appended.
    [InlineData(100, 150, 100, true, false, true)] // Grew but another head: truncated and refilled between passes.
    [InlineData(100, 150, 100, false, false, false)] // No identity yet: only the size can tell.
    public void Truncation(long before, long now, long readOffset, bool identityKnown, bool headMatches, bool expected)
    {
        var asked = false;
        var truncated = FileClassifier.IsTruncated(before, now, readOffset, identityKnown, () =>
        {
            asked = true;
            return headMatches;
        });
        Assert.Equal(expected, truncated);
        if (!identityKnown || before == now)
        {
            Assert.False(asked); // Reading the head costs I/O; it is asked only when it can matter.
        }
    }

    [Theory]
    [InlineData(false, 100, 100, true, true, true)] // The candidate caught before the truncation may hold exactly what was read.
    [InlineData(false, 100, 100, false, true, false)] // A copy opened after must hold more (else nothing is left to finish).
    [InlineData(false, 50, 100, true, true, false)] // Shorter than what was read: not the copy of this content.
    [InlineData(true, 200, 100, true, true, false)] // The live file itself.
    [InlineData(false, 200, 100, true, false, false)] // Another head.
    public void Copy_usable(bool sameFile, long copySize, long readOffset, bool allowEqual, bool headMatches, bool expected) =>
        Assert.Equal(expected, FileClassifier.CopyUsable(sameFile, copySize, readOffset, allowEqual, headMatches));
}
