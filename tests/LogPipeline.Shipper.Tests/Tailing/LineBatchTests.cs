using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Publishing;
using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class LineBatchTests
{
    private static readonly FileIdentity File = new(1, 2, 4, "abcd");

    private static PendingLine Pending(FileProgress progress, long commit) => progress.Track(commit, 10, 0);

    [Fact]
    public void Lines_keep_their_bytes_offsets_and_cost()
    {
        var progress = new FileProgress(File, 0, "/x");
        var batch = LineBatch.Rent(File);
        batch.Add("first"u8, 0, truncated: false, Pending(progress, 6));
        batch.Add("second line"u8, 6, truncated: true, Pending(progress, 18));
        Assert.Same(File, batch.File);
        Assert.Equal(2, batch.Lines.Count);
        Assert.Equal("first", System.Text.Encoding.ASCII.GetString(batch.Value(batch.Lines[0])));
        Assert.Equal("second line", System.Text.Encoding.ASCII.GetString(batch.Value(batch.Lines[1])));
        Assert.Equal(6, batch.Lines[1].Offset);
        Assert.True(batch.Lines[1].Truncated);
        Assert.Equal(5 + 11 + (2 * InFlightBudget.PerLineOverhead), batch.Bytes);
        batch.Release();
    }

    [Fact]
    public void Buffer_grows_for_a_line_longer_than_it_without_corrupting_earlier_lines()
    {
        var progress = new FileProgress(File, 0, "/x");
        var batch = LineBatch.Rent(File);
        var big = new byte[10_000];
        Array.Fill(big, (byte)'x');
        batch.Add("head"u8, 0, false, Pending(progress, 5));
        batch.Add(big, 5, false, Pending(progress, 10_006));
        Assert.Equal("head", System.Text.Encoding.ASCII.GetString(batch.Value(batch.Lines[0])));
        Assert.True(batch.Value(batch.Lines[1]).SequenceEqual(big));
        batch.Release(); // Grown past what is kept pooled: left to the GC.
    }

    [Fact]
    public void A_rented_batch_is_empty_and_carries_the_new_file()
    {
        var progress = new FileProgress(File, 0, "/x");
        var used = LineBatch.Rent(File);
        used.Add("line"u8, 0, false, Pending(progress, 5));
        used.Release();
        var other = new FileIdentity(3, 4, 4, "efgh");
        var batch = LineBatch.Rent(other); // Possibly the one just released (the pool is shared by the process).
        Assert.Same(other, batch.File);
        Assert.Empty(batch.Lines);
        Assert.Equal(0, batch.Bytes);
        batch.Add("next"u8, 0, false, Pending(progress, 10));
        Assert.Equal("next", System.Text.Encoding.ASCII.GetString(batch.Value(batch.Lines[0])));
        batch.Release();
    }
}
