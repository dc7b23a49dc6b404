using System.Text;
using LogPipeline.Shipper.Tailing;
using LogPipeline.Shipper.Tests.Support;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class LineReaderTests
{
    private sealed class Sink : ILineSink
    {
        public List<(string Line, long Offset, long Commit, bool Truncated)> Lines { get; } = [];

        public List<long> Skipped { get; } = [];

        public void OnLine(ReadOnlySpan<byte> line, long offset, long commitOffset, bool truncated) =>
            Lines.Add((Encoding.Latin1.GetString(line), offset, commitOffset, truncated));

        public void OnSkipped(long commitOffset) => Skipped.Add(commitOffset);
    }

    private static Sink ReadAll(string path, int maxLine)
    {
        var reader = new LineReader(maxLine, 0);
        var sink = new Sink();
        using var handle = File.OpenHandle(path);
        while (reader.Fill(handle) > 0)
        {
            reader.Split(sink);
        }

        return sink;
    }

    [Fact]
    public void Partial_last_line_waits_for_its_newline_and_offsets_are_byte_positions()
    {
        using var dir = new TempDir();
        var path = dir.Combine("a.log");
        File.WriteAllBytes(path, "one\n\ntwo\nthr"u8.ToArray());
        var sink = ReadAll(path, 256);
        Assert.Equal([("one", 0L, 4L, false), ("two", 5L, 9L, false)], sink.Lines);
        Assert.Equal([5L], sink.Skipped); // the empty line advances the checkpoint without a message
    }

    [Fact]
    public void A_5_MB_line_is_cut_flagged_once_and_its_rest_is_not_a_line()
    {
        using var dir = new TempDir();
        var path = dir.Combine("big.log");
        var big = new byte[5 * 1024 * 1024];
        Array.Fill(big, (byte)'x');
        File.WriteAllBytes(path, [.. "before\n"u8, .. big, .. "\nafter\n"u8]);
        var sink = ReadAll(path, 1024);
        Assert.Equal(3, sink.Lines.Count);
        Assert.Equal(("before", 0L, 7L, false), sink.Lines[0]);
        Assert.Equal(1024, sink.Lines[1].Line.Length);
        Assert.True(sink.Lines[1].Truncated);
        Assert.Equal(7L, sink.Lines[1].Commit); // a crash mid-skip re-sends the head, never the tail as a line
        Assert.Equal(("after", 7L + big.Length + 1, 7L + big.Length + 7, false), sink.Lines[2]);
        Assert.Contains(7L + big.Length + 1, sink.Skipped);
    }

    [Fact]
    public void Garbage_and_invalid_utf8_are_shipped_byte_exact()
    {
        using var dir = new TempDir();
        var path = dir.Combine("g.log");
        byte[] garbage = [0xff, 0xfe, 0x00, 0xc3, 0x28, 0x01, 0x7f];
        File.WriteAllBytes(path, [.. garbage, (byte)'\n']);
        var sink = ReadAll(path, 256);
        Assert.Single(sink.Lines);
        Assert.Equal(garbage, Encoding.Latin1.GetBytes(sink.Lines[0].Line));
    }
}
