using System.Text;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

public sealed class PercentDecodingTests
{
    [Theory]
    [InlineData("/plain/path", "/plain/path")]
    [InlineData("/blog/tags/jquery%20mobile", "/blog/tags/jquery mobile")]
    [InlineData("/a%2Fb", "/a/b")]
    [InlineData("/a%2fb", "/a/b")]
    [InlineData("/caf%C3%A9", "/café")]
    [InlineData("/%E2%82%AC/%F0%9F%98%80", "/€/😀")]
    [InlineData("/c++/a+b", "/c++/a+b")]
    [InlineData("/bad%zzescape", "/bad%zzescape")]
    [InlineData("/half%4", "/half%4")]
    [InlineData("/end%", "/end%")]
    [InlineData("/%%41", "/%A")]
    [InlineData("/100%25", "/100%")]
    [InlineData("/%2525", "/%25")]
    public void Decodes_like_uri_parts_and_keeps_what_is_not_an_escape(string raw, string expected)
    {
        Assert.Equal(expected, Decode(raw));
    }

    [Theory]
    [InlineData("/%FF%FE")]
    [InlineData("/%C3")]
    [InlineData("/ok%20then%E9")]
    public void Bytes_that_are_not_utf8_keep_the_path_as_written(string raw)
    {
        Assert.Equal(raw, Decode(raw));
    }

    [Fact]
    public void Decoding_never_grows_and_never_throws_on_random_input()
    {
        var random = new Random(15);
        var alphabet = "%%%0123456789abcdefABCDEFzZ/+ é"u8.ToArray();
        for (var n = 0; n < 20_000; n++)
        {
            var input = new byte[random.Next(0, 24)];
            for (var i = 0; i < input.Length; i++)
            {
                input[i] = alphabet[random.Next(alphabet.Length)];
            }

            var output = new byte[input.Length];
            var length = PercentDecoding.DecodePath(input, output);
            Assert.InRange(length, 0, input.Length);
        }
    }

    private static string Decode(string raw)
    {
        var input = Encoding.UTF8.GetBytes(raw);
        var output = new byte[input.Length];
        return Encoding.UTF8.GetString(output, 0, PercentDecoding.DecodePath(input, output));
    }
}
