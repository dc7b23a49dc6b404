using System.Text;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

public sealed class NginxEscapesTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("/caf\\xC3\\xA9", "/café")]
    [InlineData("say \\x22hi\\x22", "say \"hi\"")]
    [InlineData("back\\x5Cslash", "back\\slash")]
    [InlineData("tab\\x09end", "tab\tend")]
    [InlineData("\\xE2\\x82\\xAC", "€")]
    [InlineData("half \\x4", "half \\x4")]
    [InlineData("not hex \\xZZ", "not hex \\xZZ")]
    [InlineData("ends with \\", "ends with \\")]
    public void Decodes_hex_escapes(string escaped, string expected)
    {
        var input = Encoding.UTF8.GetBytes(escaped);
        var buffer = new byte[input.Length];

        var length = NginxEscapes.Decode(input, buffer);

        Assert.Equal(expected, Encoding.UTF8.GetString(buffer, 0, length));
    }

    [Fact]
    public void Keeps_the_escaped_form_when_the_bytes_are_not_utf8()
    {
        // \xFF\xFE is not UTF-8 (a Latin-1 or binary probe): keep the readable escaped text.
        var input = "/x\\xFF\\xFEy"u8.ToArray();
        var buffer = new byte[input.Length];

        var length = NginxEscapes.Decode(input, buffer);

        Assert.Equal("/x\\xFF\\xFEy", Encoding.UTF8.GetString(buffer, 0, length));
    }
}
