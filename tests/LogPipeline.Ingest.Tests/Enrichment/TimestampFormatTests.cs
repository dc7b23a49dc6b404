using System.Globalization;
using System.Text;
using LogPipeline.Ingest.Enrichment.Serialization;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class TimestampFormatTests
{
    [Fact]
    public void Writes_what_the_custom_format_string_wrote_for_any_time_and_offset()
    {
        var random = new Random(20261201);
        var offsets = new[] { 0, 60, -60, 330, -210, 345, 840, -720, 59, -1 };
        var buffer = new byte[DocumentBuilder.TimestampLength];
        for (var i = 0; i < 20_000; i++)
        {
            var ticks = (long)(random.NextDouble() * (DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay)) + TimeSpan.TicksPerDay;
            var offset = TimeSpan.FromMinutes(offsets[i % offsets.Length]);
            var value = new DateTimeOffset(new DateTime(ticks - (ticks % TimeSpan.TicksPerMillisecond) + (i % 10_000), DateTimeKind.Unspecified), offset);

            DocumentBuilder.FormatTimestamp(value, buffer);

            Assert.Equal(value.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(buffer));
        }
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00.000+00:00")]
    [InlineData("9999-12-31T23:59:59.999+00:00")]
    [InlineData("2026-01-15T10:00:00.007-03:30")]
    [InlineData("2024-02-29T23:59:59.120+14:00")]
    public void Edges_round_trip(string text)
    {
        var value = DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        var buffer = new byte[DocumentBuilder.TimestampLength];

        DocumentBuilder.FormatTimestamp(value, buffer);

        Assert.Equal(text, Encoding.ASCII.GetString(buffer));
    }
}
