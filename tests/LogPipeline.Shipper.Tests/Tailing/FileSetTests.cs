using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Native;
using LogPipeline.Shipper.Tailing;
using LogPipeline.Shipper.Tests.Support;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class FileSetTests
{
    [Fact]
    public void Indexes_follow_the_states_and_renamed_files_keep_their_age_order()
    {
        using var dir = new TempDir();
        using var files = new FileSet();
        var a = Open(dir, "a", "a1\n");
        var b = Open(dir, "b", "b1\n");
        var c = Open(dir, "c", "c1\n");
        files.Apply(a, FileEvent.FoundAtPath, 0);
        Assert.Same(a, files.Live);
        files.Apply(a, FileEvent.PathMovedAway, 0);
        files.Apply(b, FileEvent.FoundRenamed, 0);
        files.Apply(c, FileEvent.FoundAtPath, 0);
        Assert.Equal([a, b], files.Renamed);
        files.Apply(a, FileEvent.NewerFileHasData, 5); // Stays where it is: the oldest.
        Assert.Equal([a, b], files.Renamed);
        Assert.Equal(FileState.WriterMovedOn, a.State);
        Assert.Equal(5, a.WriterMovedAt);
        Assert.Same(c, files.Live);
        Assert.Throws<InvalidOperationException>(() => files.Apply(b, FileEvent.PathPointsHere, 0)); // Two live files.
    }

    [Fact]
    public void A_released_file_keeps_its_checkpoint_entry_until_acknowledged_and_its_identity_is_remembered()
    {
        using var dir = new TempDir();
        using var files = new FileSet();
        var a = Open(dir, "a", "a1\na2\n");
        var identity = Identify(a);
        a.Progress = new FileProgress(identity, 0, a.Path);
        var pending = a.Progress.Track(3, 10, 0);
        files.Apply(a, FileEvent.FoundRenamed, 0);
        Assert.True(files.HasUndelivered(a.Path));
        files.Apply(a, FileEvent.Done, 0);

        Assert.Empty(files.Renamed);
        Assert.Equal(FileState.Released, a.State);
        Assert.True(a.Progress.Released);
        files.PruneAcknowledged();
        Assert.Single(files.ReleasedUnacked);
        Assert.True(files.HasUndelivered(a.Path)); // Rotation must not overwrite it yet.
        pending.Owner.Complete(pending);
        files.PruneAcknowledged();
        Assert.Empty(files.ReleasedUnacked);
        Assert.False(files.HasUndelivered(a.Path));

        // A late descriptor of the released file is recognised; a copy of its content too.
        var status = LibC.StatPath(a.Path)!.Value;
        using var late = File.OpenHandle(a.Path);
        Assert.True(files.WasReleased(status, late));
        Assert.Equal(ContentMatch.Finished, files.MatchContent(identity, 100));
    }

    [Fact]
    public void A_truncated_file_awaiting_its_copy_is_matched_by_a_copy_holding_more_than_was_read()
    {
        using var dir = new TempDir();
        using var files = new FileSet();
        var a = Open(dir, "a", "a1\na2\n");
        var identity = Identify(a);
        a.Reader.Fill(a.Handle); // Read to offset 6.
        files.Apply(a, FileEvent.FoundAtPath, 0);
        files.Apply(a, FileEvent.TruncatedCopyPending, 7);

        Assert.Null(files.Live);
        Assert.Empty(files.Renamed); // Nothing is read from it until a copy comes.
        Assert.Equal([a], files.AwaitingCopy);
        Assert.Equal(7, a.LastGrowth); // The settle period starts at the truncation.
        Assert.Equal(ContentMatch.Truncated, files.MatchContent(identity, 9));
        Assert.Same(a, files.AwaitingCopyOf(identity, 9));
        Assert.Equal(ContentMatch.Finished, files.MatchContent(identity, 6)); // Holds nothing unread: closed, not read twice.

        files.Apply(a, FileEvent.CopyOfTruncated, 8);
        Assert.Empty(files.AwaitingCopy);
        Assert.Equal([a], files.Renamed);
        Assert.Equal(FileState.FinishingCopy, a.State);
    }

    [Fact]
    public void Inode_reuse_a_file_with_a_released_inode_but_other_content_is_not_taken_for_the_released_one()
    {
        using var dir = new TempDir();
        using var files = new FileSet();
        var a = Open(dir, "a", "new content\n");
        var status = LibC.StatPath(a.Path)!.Value;
        // What was released earlier under this device+inode started with other bytes.
        a.Identity = new FileIdentity(status.Device, status.Inode, 12, FileIdentity.Hash("old content\n"u8));
        files.Apply(a, FileEvent.FoundRenamed, 0);
        files.Apply(a, FileEvent.BacklogExceeded, 0);
        using var reused = File.OpenHandle(a.Path);
        Assert.False(files.WasReleased(status, reused));
    }

    [Fact]
    public void The_copy_candidate_is_replaced_by_a_newer_copy_and_handed_over_once()
    {
        using var dir = new TempDir();
        using var files = new FileSet();
        File.WriteAllText(dir.Combine("c1"), "x\n");
        File.WriteAllText(dir.Combine("c2"), "x\n");
        var first = File.OpenHandle(dir.Combine("c1"));
        var second = File.OpenHandle(dir.Combine("c2"));
        Assert.True(files.ApplyHandoff(first, 0, FileEvent.CopyOfLive));
        Assert.True(files.ApplyHandoff(second, 0, FileEvent.CopyOfLive));
        Assert.True(first.IsClosed);
        Assert.Same(second, files.TakeCopyCandidate());
        Assert.Null(files.TakeCopyCandidate());
        second.Dispose();
        var known = File.OpenHandle(dir.Combine("c1"));
        Assert.False(files.ApplyHandoff(known, 0, FileEvent.Known));
        Assert.True(known.IsClosed);
    }

    private static TailedFile Open(TempDir dir, string name, string content)
    {
        var path = dir.Combine(name);
        File.WriteAllText(path, content);
        var handle = File.OpenHandle(path);
        var file = new TailedFile(path, handle, LibC.StatHandle(handle), new LineReader(1024, 0), 0);
        return file;
    }

    private static FileIdentity Identify(TailedFile file)
    {
        var identity = FileIdentity.TryCompute(file.Handle, file.Status.Device, file.Status.Inode)!;
        file.Identity = identity;
        return identity;
    }
}
