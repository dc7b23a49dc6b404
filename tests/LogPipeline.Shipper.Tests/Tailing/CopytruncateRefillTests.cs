using System.Globalization;
using System.Text;
using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Native;
using LogPipeline.Shipper.Tailing;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tests.Tailing;

/// <summary>Where the copy of a truncated live file is when the tail loop notices the truncation.</summary>
public enum CopyAt
{
    /// <summary>At <c>path.1</c>, as logrotate leaves it.</summary>
    Path,

    /// <summary>Deleted by the next rotation; the watcher opened it in time and hands it over in the next pass.</summary>
    HandedOverLate,

    /// <summary>No copy at all (truncated without one): the unread rest is gone.</summary>
    None,
}

/// <summary>
/// A copytruncate that the writer outruns within one pass: the live file is copied, truncated and refilled past the
/// read offset after the pass checked its size, so the size never shows the truncation. The next read at the old offset
/// returns the new content; it must not be taken for the old file's continuation (the CI finding: the old rest, which
/// only the copy held, never read; the new lines at that offset shipped twice, under the old and the new fingerprint).
/// </summary>
public sealed class CopytruncateRefillTests
{
    private const int LineBytes = 100;

    /// <summary>More than one read (64 KiB): the pass reads the file in two chunks and the rotation lands between them.</summary>
    private const int OldLines = 1000;

    /// <summary>Written to the old file after the pass's size check and before the copy: only the copy holds them.</summary>
    private const int OldLinesAfterCheck = 100;

    /// <summary>Lines of the first read: 64 KiB holds 655 whole lines of 100 bytes, the 656th is partial.</summary>
    private const int FirstChunkLines = 65536 / LineBytes;

    [Theory]
    [InlineData(1500, CopyAt.Path, false)] // The CI sequence: refilled well past the read offset before the next read.
    [InlineData(1500, CopyAt.HandedOverLate, false)]
    [InlineData(1500, CopyAt.None, false)]
    [InlineData(1500, CopyAt.Path, true)] // A file resumed from a checkpoint: its identity came from the checkpoint.
    [InlineData(700, CopyAt.Path, false)] // Refilled just past the read offset (70,000 > 65,536 bytes).
    [InlineData(300, CopyAt.Path, false)] // Refilled, but not up to the read offset yet: the read finds nothing, the size shows it.
    public async Task Truncated_and_refilled_between_two_reads_of_one_pass(int newLines, CopyAt copy, bool resumed)
    {
        using var watcher = new HandedOverFiles();
        using var h = new TailerHarness(openedFiles: watcher);
        h.Write(Lines("old", 1, OldLines));
        h.Tailer.Recover(resumed ? CheckpointAtStart(h.Path) : null);
        SafeFileHandle? lateCopy = null;
        h.AfterNextBatch = () =>
        {
            h.Append(Lines("old", OldLines + 1, OldLinesAfterCheck));
            if (copy != CopyAt.None)
            {
                File.Copy(h.Path, h.Path + ".1");
            }

            if (copy == CopyAt.HandedOverLate)
            {
                lateCopy = watcher.Open(h.Path + ".1");
                File.Delete(h.Path + ".1");
            }

            h.Write(Lines("new", 1, newLines)); // Truncate in place (same inode) and refill.
        };

        await h.PassAsync();
        Assert.Null(h.AfterNextBatch); // The rotation did land within the pass.
        if (lateCopy is not null)
        {
            watcher.HandOver(lateCopy);
        }

        for (var pass = 0; pass < 4; pass++)
        {
            await h.PassAsync();
        }

        h.Time.Advance(ReleasePolicy.Settle);
        await h.PassAsync();

        var oldFingerprint = Fingerprint("old", 1);
        var newFingerprint = Fingerprint("new", 1);
        var expectedOld = copy == CopyAt.None ? FirstChunkLines : OldLines + OldLinesAfterCheck;
        AssertShippedOnce(h, oldFingerprint, "old", expectedOld);
        AssertShippedOnce(h, newFingerprint, "new", newLines);
        Assert.Equal(expectedOld + newLines, h.Shipped.Count); // Nothing else: no torn line, no other identity.
        Assert.Equal(1, h.Metrics.Truncations.Value);
        Assert.Equal(copy == CopyAt.None ? 65536 - (FirstChunkLines * LineBytes) : 0, h.Metrics.BytesDropped.Value);
    }

    /// <summary>
    /// Truncated and refilled before the first line was complete: the identity is not known yet, so only the bytes read
    /// so far can tell the new content apart. They must not be glued to the new content as one line.
    /// </summary>
    [Fact]
    public async Task Truncated_and_refilled_before_the_first_line_was_complete_the_partial_line_is_dropped_not_glued()
    {
        using var h = new TailerHarness();
        h.Write("first-line-without-newline-yet");
        h.Tailer.Recover(null);
        Assert.Empty(await h.PassAsync());

        h.Write("a-new-file-whose-first-line-is-longer\nn2\n"); // Longer than what was read.
        var lines = await h.PassAsync();
        lines.AddRange(await h.PassAsync());

        Assert.Equal(["a-new-file-whose-first-line-is-longer", "n2"], lines);
        Assert.All(h.Shipped, s => Assert.Equal(FileIdentity.Hash("a-new-file-whose-first-line-is-longer\n"u8), s.Fingerprint));
        Assert.Equal(1, h.Metrics.Truncations.Value);
        Assert.Equal(30, h.Metrics.BytesDropped.Value); // The incomplete line of the old content, counted.
    }

    /// <summary>
    /// A truncation leaves the live file empty, so its new identity is not known after the pass that handled it. Before
    /// the next pass the writer fills it and the rotator copies it (not truncated yet). The copy, handed over first in
    /// that pass, is the live file's content, not a new file: read as both, every line of it would be shipped twice.
    /// </summary>
    [Fact]
    public async Task A_copy_of_a_live_file_whose_identity_is_not_known_yet_is_not_taken_for_a_new_file()
    {
        using var watcher = new HandedOverFiles();
        using var h = new TailerHarness(openedFiles: watcher);
        h.Write("a1\na2\n");
        h.Tailer.Recover(null);
        var lines = await h.PassAsync();

        h.Append("a3\n");
        File.Copy(h.Path, h.Path + ".1");
        h.Write(string.Empty); // Truncated; the writer has not written again yet.
        lines.AddRange(await h.PassAsync());

        h.Append("g1\ng2\n");
        File.Delete(h.Path + ".1");
        File.Copy(h.Path, h.Path + ".1");
        watcher.HandOver(watcher.Open(h.Path + ".1"));
        lines.AddRange(await h.PassAsync());

        h.Write("h1\n"); // The rotator's truncate, and the writer again.
        lines.AddRange(await h.PassAsync());
        lines.AddRange(await h.PassAsync());

        Assert.Equal(["a1", "a2", "a3", "g1", "g2", "h1"], lines.Order());
        Assert.Equal(2, h.Metrics.Truncations.Value);
    }

    private static void AssertShippedOnce(TailerHarness h, string fingerprint, string prefix, int count)
    {
        var shipped = h.Shipped.Where(s => s.Text.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.All(shipped, s => Assert.Equal(fingerprint, s.Fingerprint));
        Assert.All(shipped, s => Assert.Equal(Line(prefix, Seq(s.Text)).TrimEnd('\n'), s.Text)); // Whole lines only.
        Assert.All(shipped, s => Assert.Equal((Seq(s.Text) - 1) * (long)LineBytes, s.Offset));
        var seqs = shipped.Select(s => Seq(s.Text)).Order().ToList();
        Assert.Equal(Enumerable.Range(1, count).ToList(), seqs);
    }

    /// <summary>A checkpoint that knows the file and has delivered nothing of it yet.</summary>
    private static CheckpointDocument CheckpointAtStart(string path)
    {
        var status = LibC.StatPath(path)!.Value;
        using var handle = File.OpenHandle(path);
        var identity = FileIdentity.TryCompute(handle, status.Device, status.Inode)!;
        return new CheckpointDocument
        {
            WrittenAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Files = [new CheckpointEntry { File = identity.ToString(), FingerprintLength = identity.FingerprintLength, Offset = 0 }],
        };
    }

    private static int Seq(string line) => int.Parse(line.AsSpan(4, 5), CultureInfo.InvariantCulture);

    private static string Fingerprint(string prefix, int seq) => FileIdentity.Hash(Encoding.ASCII.GetBytes(Line(prefix, seq)));

    private static string Line(string prefix, int seq) =>
        $"{prefix}-{seq.ToString("D5", CultureInfo.InvariantCulture)} ".PadRight(LineBytes - 1, 'x') + "\n";

    private static string Lines(string prefix, int first, int count) =>
        string.Concat(Enumerable.Range(first, count).Select(i => Line(prefix, i)));
}
