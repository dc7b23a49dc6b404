using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Native;
using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Tests.Tailing;

/// <summary>The tail loop's parts together, driven pass by pass on a fake clock over real files.</summary>
public sealed class TailerTests
{
    [Fact]
    public async Task Rotation_while_unread_the_renamed_rest_is_read_and_the_file_let_go_after_the_settle_period()
    {
        using var h = new TailerHarness();
        h.Write("a1\na2\n");
        h.Tailer.Recover(null);
        Assert.Equal(["a1", "a2"], await h.PassAsync());

        h.Append("a3\na4\n"); // Not read yet when the file is renamed.
        File.Move(h.Path, h.Path + ".1");
        h.Write("b1\n");
        Assert.Equal(["a3", "a4", "b1"], await h.PassAsync());
        Assert.Equal(1, h.Metrics.RotationsFollowed.Value);

        // A slow worker still appends to the renamed file after the writer moved on: read, and held on.
        h.Time.Advance(TimeSpan.FromMilliseconds(900));
        h.Append("a5\n", h.Path + ".1");
        Assert.Equal(["a5"], await h.PassAsync());
        h.Time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Empty(await h.PassAsync());
        Assert.Equal(0, h.Metrics.FilesReleased.Value);

        h.Time.Advance(TimeSpan.FromMilliseconds(100)); // Quiet for the settle period since its last growth.
        Assert.Empty(await h.PassAsync());
        Assert.Equal(1, h.Metrics.FilesReleased.Value);
        Assert.Equal(1, h.Metrics.FilesOpen.Value);
    }

    [Fact]
    public async Task Renamed_file_is_not_let_go_while_nothing_newer_has_data()
    {
        using var h = new TailerHarness();
        h.Write("a1\n");
        h.Tailer.Recover(null);
        Assert.Equal(["a1"], await h.PassAsync());
        File.Move(h.Path, h.Path + ".1");
        h.Write(string.Empty); // The writer reopened but wrote nothing yet.
        Assert.Empty(await h.PassAsync());
        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await h.PassAsync());
        Assert.Equal(0, h.Metrics.FilesReleased.Value);
        h.Append("b1\n");
        Assert.Equal(["b1"], await h.PassAsync());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.PassAsync();
        Assert.Equal(1, h.Metrics.FilesReleased.Value);
    }

    [Fact]
    public async Task Copytruncate_the_unread_rest_comes_from_the_copy_and_nothing_is_sent_twice()
    {
        using var h = new TailerHarness();
        h.Write("a1\na2\n");
        h.Tailer.Recover(null);
        Assert.Equal(["a1", "a2"], await h.PassAsync());

        h.Append("a3\n");
        File.Copy(h.Path, h.Path + ".1");
        h.Write("b1\n"); // Truncated and written again: shorter than what was read.
        var lines = await h.PassAsync();
        lines.AddRange(await h.PassAsync());
        Assert.Equal(["a3", "b1"], lines.Order());
        Assert.Equal(1, h.Metrics.Truncations.Value);
        Assert.Equal(3, h.Metrics.TruncationRecovered.Value);

        // The copy is let go once quiet for the settle period: no writer signal is needed.
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await h.PassAsync());
        Assert.Equal(1, h.Metrics.FilesReleased.Value);
        h.Append("b2\n");
        Assert.Equal(["b2"], await h.PassAsync());
    }

    /// <summary>
    /// The copytruncate loss seen in CI: a writer that fell behind catches up and rotates twice within a millisecond.
    /// The watcher opened the first copy before the second rotation deleted it, but queued it after the pass had taken
    /// the queue; the pass that notices the truncation finds the second copy at <c>path.1</c>. The first copy, handed
    /// over in the next pass, must finish the truncated file (it used to be taken for finished content and closed).
    /// </summary>
    [Fact]
    public async Task Copytruncate_twice_between_passes_the_first_copy_handed_over_late_finishes_the_file()
    {
        using var watcher = new HandedOverFiles();
        using var h = new TailerHarness(openedFiles: watcher);
        h.Write("a1\na2\n");
        h.Tailer.Recover(null);
        Assert.Equal(["a1", "a2"], await h.PassAsync());

        h.Append("a3\na4\n");
        File.Copy(h.Path, h.Path + ".1");
        var firstCopy = watcher.Open(h.Path + ".1");
        h.Write("b1\nb2\nb3\n");
        File.Delete(h.Path + ".1");
        File.Copy(h.Path, h.Path + ".1");
        var secondCopy = watcher.Open(h.Path + ".1");
        h.Write("c1\n");

        var lines = await h.PassAsync(); // Notices the truncation; path.1 holds the second copy.
        watcher.HandOver(firstCopy);
        watcher.HandOver(secondCopy);
        lines.AddRange(await h.PassAsync());
        lines.AddRange(await h.PassAsync());

        Assert.Equal(["a3", "a4", "b1", "b2", "b3", "c1"], lines.Order());
        Assert.Equal(1, h.Metrics.Truncations.Value); // Two truncations, one noticed: the second copy is read as a renamed file.
        Assert.Equal(6, h.Metrics.TruncationRecovered.Value);
    }

    [Fact]
    public async Task Copytruncate_with_no_copy_the_truncated_file_is_let_go_after_the_settle_period()
    {
        using var watcher = new HandedOverFiles();
        using var h = new TailerHarness(openedFiles: watcher);
        h.Write("a1\n");
        h.Tailer.Recover(null);
        Assert.Equal(["a1"], await h.PassAsync());
        h.Append("a2\npart");
        Assert.Equal(["a2"], await h.PassAsync());
        h.Write("b1\n"); // Truncated without a copy: the rest of "part" is gone.
        Assert.Equal(["b1"], await h.PassAsync());

        h.Time.Advance(ReleasePolicy.Settle - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await h.PassAsync());
        Assert.Equal(0, h.Metrics.BytesDropped.Value); // Still waiting: a copy could complete the partial line.
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(await h.PassAsync());
        Assert.Equal(4, h.Metrics.BytesDropped.Value); // Let go: the partial line is dropped and counted.

        // A copy of the released content handed over afterwards is not read again.
        File.WriteAllText(h.Dir("late.copy"), "a1\na2\npart-and-more\n");
        watcher.HandOver(watcher.Open(h.Dir("late.copy")));
        Assert.Empty(await h.PassAsync());
    }

    [Fact]
    public async Task Restart_from_a_checkpoint_resumes_at_the_delivered_offset()
    {
        using var h = new TailerHarness();
        h.Write("a1\na2\na3\n");
        var identity = IdentityOf(h.Path);
        h.Tailer.Recover(Checkpoint(identity.ToString(), identity.FingerprintLength, offset: 6));
        Assert.Equal(["a3"], await h.PassAsync());
    }

    [Fact]
    public async Task Restart_inode_reuse_same_inode_with_other_content_is_read_from_the_start()
    {
        using var h = new TailerHarness();
        h.Write("a1\na2\na3\n");
        var real = IdentityOf(h.Path);
        var other = new FileIdentity(real.Device, real.Inode, real.FingerprintLength, FileIdentity.Hash("zz\n"u8));
        h.Tailer.Recover(Checkpoint(other.ToString(), other.FingerprintLength, offset: 6));
        Assert.Equal(["a1", "a2", "a3"], await h.PassAsync());
    }

    [Fact]
    public async Task Restart_a_rotated_sibling_born_after_the_checkpoint_is_read_from_the_start()
    {
        using var h = new TailerHarness();
        h.Write("old1\n", h.Path + ".1");
        h.Write("new1\n");
        var document = Checkpoint("1:1:none", 3, 0);
        document.WrittenAtUnixMs = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        h.Tailer.Recover(document);
        Assert.Equal(["old1", "new1"], await h.PassAsync());
    }

    /// <summary>
    /// First start (no checkpoint at all): the writer rotated before the shipper was up, so <c>path.1</c> holds the first
    /// lines ever written. The e2e ingest-kill scenario once lost its whole first file (lines 1–272) this way.
    /// </summary>
    [Fact]
    public async Task First_start_a_sibling_rotated_before_the_shipper_was_up_is_read_from_the_start()
    {
        using var h = new TailerHarness();
        h.Write("first1\nfirst2\n", h.Path + ".1");
        h.Write("second1\n");
        h.Tailer.Recover(null);
        Assert.Equal(["first1", "first2", "second1"], await h.PassAsync());
    }

    [Fact]
    public async Task Built_in_rotation_waits_for_the_file_it_would_overwrite_to_be_acknowledged()
    {
        using var h = new TailerHarness(o =>
        {
            o.Rotation.MaxBytes = 10;
            o.Rotation.Keep = 1;
        });
        File.WriteAllText(h.Options.Rotation.PidFile = h.Dir("nginx.pid"), "not-a-pid");
        h.Write("line-0001\nline-0002\n");
        h.Tailer.Recover(null);
        Assert.Equal(["line-0001", "line-0002"], await h.PassAsync()); // Rotated in the same pass.
        Assert.Equal(1, h.Metrics.RotationsPerformed.Value);
        Assert.True(File.Exists(h.Path + ".1"));

        h.Write("line-0003\nline-0004\n");
        Assert.Equal(["line-0003", "line-0004"], await h.PassAsync());
        Assert.Equal(1, h.Metrics.RotationsPerformed.Value); // path.1 still has unacknowledged lines.
        Assert.Equal(1, h.Metrics.RotationsDeferred.Value);

        h.AckAll();
        await h.PassAsync();
        Assert.Equal(2, h.Metrics.RotationsPerformed.Value);
        Assert.Equal("line-0003\nline-0004\n", File.ReadAllText(h.Path + ".1"));
    }

    private static FileIdentity IdentityOf(string path)
    {
        var status = LibC.StatPath(path)!.Value;
        using var handle = File.OpenHandle(path);
        return FileIdentity.TryCompute(handle, status.Device, status.Inode)!;
    }

    private static CheckpointDocument Checkpoint(string file, int fingerprintLength, long offset) => new()
    {
        WrittenAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Files = [new CheckpointEntry { File = file, FingerprintLength = fingerprintLength, Offset = offset }],
    };
}
