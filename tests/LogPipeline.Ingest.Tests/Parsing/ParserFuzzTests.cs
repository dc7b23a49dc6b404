using System.Globalization;
using System.Net;
using System.Text;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

/// <summary>
/// Seeded random lines: generated valid lines must give back every field; mutated lines (cut, flipped,
/// spliced) must never throw. Bounded iterations, fixed seeds, so a failure reproduces.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Iterations = 20_000;
    private static readonly AccessLogFormat Combined = AccessLogFormat.Compile("combined");
    private static readonly string[] Methods = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "PROPFIND"];

    [Fact]
    public void Generated_valid_lines_round_trip_their_fields()
    {
        var random = new Random(20240601);
        for (var i = 0; i < Iterations; i++)
        {
            var expected = Generate(random);
            var line = Encoding.UTF8.GetBytes(expected.ToLine());
            var scratch = new byte[line.Length];

            var error = Combined.TryParse(line, scratch, out var r);

            Assert.True(error is null, $"#{i}: {error} in {Encoding.UTF8.GetString(line)}");
            Assert.Equal(expected.Address, Text(r.RemoteAddr));
            Assert.Equal(expected.User ?? string.Empty, Decoded(r.RemoteUser));
            Assert.Equal(expected.Time, r.Timestamp);
            Assert.Equal(expected.Time.Offset, r.Timestamp!.Value.Offset);
            Assert.Equal(expected.Method, Text(r.Method));
            Assert.Equal(expected.Path, Decoded(r.Path));
            Assert.Equal(expected.Query ?? string.Empty, Decoded(r.Query));
            Assert.Equal(expected.Status, r.Status);
            Assert.Equal(expected.Bytes, r.BodyBytes);
            Assert.Equal(expected.Referer ?? string.Empty, Decoded(r.Referer));
            Assert.Equal(expected.UserAgent ?? string.Empty, Decoded(r.UserAgent));
        }
    }

    [Fact]
    public void Mutated_lines_never_throw()
    {
        var random = new Random(7);
        var formats = new[] { Combined, AccessLogFormat.Compile("json"), AccessLogFormat.Compile("$remote_addr \"$request\" $status $request_time") };
        var failures = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var line = Mutate(random, Encoding.UTF8.GetBytes(Generate(random).ToLine()));
            foreach (var format in formats)
            {
                // The assertion is that this returns at all: any exception fails the test with the input.
                var error = Parse(format, line);
                failures += error is null ? 0 : 1;
            }
        }

        // Mutations break most lines; a parser that accepted everything would be wrong too.
        Assert.InRange(failures, Iterations, (Iterations * formats.Length) - 1);
    }

    private static string? Parse(AccessLogFormat format, byte[] line)
    {
        try
        {
            return format.TryParse(line, new byte[line.Length], out _);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{ex.GetType().Name}: {ex.Message} for {Convert.ToHexString(line)}");
            throw;
        }
    }

    private static byte[] Mutate(Random random, byte[] line)
    {
        var bytes = new List<byte>(line);
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.InsertRange(at, "\" ] [ - {}\\x"u8.ToArray().Skip(random.Next(10)).Take(random.Next(1, 4)));
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                default:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
            }
        }

        return [.. bytes];
    }

    private static Expected Generate(Random random)
    {
        var address = random.Next(3) == 0
            ? new IPAddress(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()).ToString()
            : new IPAddress(Enumerable.Range(0, 4).Select(_ => (byte)random.Next(256)).ToArray()).ToString();
        var offset = TimeSpan.FromMinutes(random.Next(-14 * 4, (14 * 4) + 1) * 15);
        var time = new DateTimeOffset(random.Next(1990, 2100), random.Next(1, 13), random.Next(1, 29), random.Next(24), random.Next(60), random.Next(60), offset);
        return new Expected(
            address,
            random.Next(4) == 0 ? RandomText(random, 1, 12) : null,
            time,
            Methods[random.Next(Methods.Length)],
            "/" + RandomText(random, 0, 60).Replace("?", string.Empty, StringComparison.Ordinal),
            random.Next(2) == 0 ? RandomText(random, 1, 40) : null,
            random.Next(100, 600),
            random.Next(2) == 0 ? random.NextInt64(0, long.MaxValue) : random.Next(100_000),
            random.Next(2) == 0 ? "https://" + RandomText(random, 1, 30) : null,
            random.Next(5) == 0 ? null : RandomText(random, 1, 200));
    }

    /// <summary>Any text, including quotes, backslashes, controls, spaces, brackets and non-ASCII.</summary>
    private static string RandomText(Random random, int min, int max)
    {
        const string alphabet = "abcXYZ019 -_./:;()[]{}\"\\'%&=+?\t\u00e9\u20ac\u4e2d\U0001F600";
        var builder = new StringBuilder();
        var length = random.Next(min, max + 1);
        while (builder.Length < length)
        {
            var index = random.Next(alphabet.Length);
            builder.Append(char.IsHighSurrogate(alphabet[index]) ? alphabet.Substring(index, 2) : char.IsLowSurrogate(alphabet[index]) ? "x" : alphabet[index].ToString());
        }

        var text = builder.ToString();

        // nginx never writes a value that is just "-" for a present field without meaning "empty"; avoid the ambiguity.
        return text == "-" ? "x" : text;
    }

    /// <summary>nginx's default log escaping: '"', '\', bytes below 0x20 and from 0x7F up become \xHH.</summary>
    private static string Escape(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (byte)'"' or (byte)'\\' or < 0x20 or >= 0x7F)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    private static string Text(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);

    private static string Decoded(ReadOnlySpan<byte> value)
    {
        var buffer = new byte[value.Length];
        return Encoding.UTF8.GetString(buffer, 0, NginxEscapes.Decode(value, buffer));
    }

    private sealed record Expected(
        string Address, string? User, DateTimeOffset Time, string Method, string Path, string? Query, int Status, long Bytes, string? Referer, string? UserAgent)
    {
        public string ToLine()
        {
            var uri = Escape(Path) + (Query is null ? string.Empty : "?" + Escape(Query));
            return string.Create(CultureInfo.InvariantCulture,
                $"{Address} - {(User is null ? "-" : Escape(User))} [{Time.ToString("dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture)}{(Time.Offset < TimeSpan.Zero ? '-' : '+')}{Time.Offset.Duration():hhmm}] \"{Method} {uri} HTTP/1.1\" {Status} {Bytes} \"{(Referer is null ? "-" : Escape(Referer))}\" \"{(UserAgent is null ? "-" : Escape(UserAgent))}\"");
        }
    }
}
