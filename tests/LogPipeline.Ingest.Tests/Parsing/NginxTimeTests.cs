using System.Text;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

public sealed class NginxTimeTests
{
    [Theory]
    [InlineData("10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z", -420)]
    [InlineData("29/Feb/2024:23:59:59 +1400", "2024-02-29T09:59:59Z", 840)]
    [InlineData("01/Jan/2024:00:30:00 +0530", "2023-12-31T19:00:00Z", 330)]
    [InlineData("31/Dec/2023:23:00:00 -0930", "2024-01-01T08:30:00Z", -570)]
    public void Time_local_keeps_its_offset(string text, string utc, int offsetMinutes)
    {
        Assert.True(NginxTime.TryParseLocal(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(TimeSpan.FromMinutes(offsetMinutes), value.Offset);
    }

    [Theory]
    [InlineData("10/Oct/2000:13:55:36")]
    [InlineData("10/Oct/2000:13:55:36 0700")]
    [InlineData("10/Oct/2000:25:55:36 -0700")]
    [InlineData("29/Feb/2023:10:00:00 +0000")]
    [InlineData("10/Oct/0000:13:55:36 -0700")]
    [InlineData("1a/Oct/2000:13:55:36 -0700")]
    public void Bad_time_local_is_rejected(string text)
    {
        Assert.False(NginxTime.TryParseLocal(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Msec_is_utc_with_milliseconds()
    {
        Assert.True(NginxTime.TryParseMsec("1700000000.123"u8, out var value));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), value);
    }
}
