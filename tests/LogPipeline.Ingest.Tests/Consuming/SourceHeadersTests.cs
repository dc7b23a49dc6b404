using System.Text;
using Confluent.Kafka;
using LogPipeline.Ingest.Consuming;

namespace LogPipeline.Ingest.Tests.Consuming;

public sealed class SourceHeadersTests
{
    private static ConsumeResult<byte[], byte[]> Record(long offset, params (string Key, string Value)[] headers)
    {
        var list = new Headers();
        foreach (var (key, value) in headers)
        {
            list.Add(key, Encoding.UTF8.GetBytes(value));
        }

        return new ConsumeResult<byte[], byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset("ignored", 5, offset),
            Message = new Message<byte[], byte[]> { Key = "k"u8.ToArray(), Value = "line"u8.ToArray(), Headers = list },
        };
    }

    [Fact]
    public void Decodes_the_shipper_headers_once_and_keeps_every_header_in_order()
    {
        var headers = new SourceHeaders();

        var record = headers.Read(Record(7, ("x-other", "1"), ("lp.source", "web-1"), ("lp.file", "2049:77:ab"), ("lp.offset", "120"), ("lp.truncated", "1")), "nginx-access");

        Assert.Equal(("nginx-access", 5, 7L), (record.Topic, record.Partition, record.Offset));
        Assert.Equal("line"u8.ToArray(), record.Value);
        Assert.Equal(["x-other", "lp.source", "lp.file", "lp.offset", "lp.truncated"], record.Headers.Select(h => h.Key));
        Assert.Equal(("web-1", "2049:77:ab", 120L, true), (record.Source.Source, record.Source.File, record.Source.FileOffset, record.Source.Truncated));
        Assert.Equal("120"u8.ToArray(), record.Source.OffsetBytes);
    }

    [Theory]
    [InlineData("12x")]
    [InlineData("")]
    public void A_bad_offset_leaves_no_file_offset(string offset)
    {
        var record = new SourceHeaders().Read(Record(9, ("lp.file", "f"), ("lp.offset", offset)), "t");

        Assert.Null(record.Source.FileOffset);
        Assert.Equal("f", record.Source.File);
        Assert.False(record.Source.Truncated);
    }

    [Fact]
    public void Repeated_source_and_file_reuse_one_string()
    {
        var headers = new SourceHeaders();

        var first = headers.Read(Record(1, ("lp.source", "web-1"), ("lp.file", "f")), "t");
        var second = headers.Read(Record(2, ("lp.source", "web-1"), ("lp.file", "f")), "t");

        Assert.Same(first.Source.Source, second.Source.Source);
        Assert.Same(first.Source.File, second.Source.File);
    }
}
