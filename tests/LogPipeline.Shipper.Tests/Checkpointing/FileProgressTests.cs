using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Tailing;

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
}
