using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;

namespace LogPipeline.Shipper.Tests.Checkpointing;

public sealed class FileProgressTests
{
    [Fact]
    public void Committed_offset_moves_only_over_a_contiguous_run_of_acknowledged_lines()
    {
        var progress = new FileProgress(new FileIdentity(1, 2, 4, "ab"), 0, "x");
        var a = progress.Track(10, 1, 0);
        var b = progress.Track(20, 1, 0);
        progress.Skip(21);
        var c = progress.Track(30, 1, 0);

        progress.Complete(b);
        progress.Complete(c);
        Assert.Equal(0, progress.Committed); // line a is still out: nothing after it counts yet
        progress.Complete(a);
        Assert.Equal(30, progress.Committed);
        Assert.Equal(0, progress.PendingCount);
    }

    [Fact]
    public void A_line_never_completed_holds_the_checkpoint_before_it_whatever_completes_after_it()
    {
        // What a refused line (Kafka refused delivery, the shipper stops) looks like to the checkpoint.
        var progress = new FileProgress(new FileIdentity(1, 2, 4, "ab"), 100, "x");
        var delivered = progress.Track(110, 1, 0);
        var refused = progress.Track(120, 1, 0);
        var later = Enumerable.Range(1, 50).Select(i => progress.Track(120 + (i * 10), 1, 0)).ToList();
        progress.Skip(700);

        progress.Complete(delivered);
        foreach (var line in later)
        {
            progress.Complete(line);
        }

        Assert.Equal(110, progress.Committed); // the end of the last line before the refused one
        Assert.Equal(52, progress.PendingCount); // the refused line, the 50 after it and the skip marker
        Assert.False(refused.Done);
    }
}
