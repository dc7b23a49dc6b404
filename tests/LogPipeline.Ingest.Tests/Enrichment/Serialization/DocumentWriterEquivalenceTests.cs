using System.Buffers;
using System.Text;
using System.Text.Json;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Enrichment.Serialization;
using LogPipeline.Ingest.Parsing;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Ingest.Tests.Enrichment.Serialization;

/// <summary>
/// <see cref="DocumentBuilder.WriteTo"/> writes byte for byte what Utf8JsonWriter with the relaxed encoder writes for
/// the same values (<see cref="Utf8JsonWriterOracle"/>): every value kind, nesting, hostile strings, random documents
/// and the documents of real lines. Each case is written twice: into an ArrayBufferWriter, and into a buffer writer
/// that hands out spans no larger than asked for, so every piece crosses a span boundary somewhere.
/// </summary>
public sealed class DocumentWriterEquivalenceTests
{
    private static readonly DocumentField[] AllFields = Enum.GetValues<DocumentField>();

    /// <summary>Strings the escaping must get right; each is also tried between plain text.</summary>
    public static readonly string[] Hostile = BuildHostile();

    [Fact]
    public void Every_kind_of_value_is_written_as_utf8jsonwriter_writes_it()
    {
        var b = new DocumentBuilder();
        b.Set(DocumentField.Timestamp, new DateTimeOffset(2026, 12, 2, 1, 2, 3, 456, TimeSpan.FromMinutes(-210)));
        b.Set(DocumentField.Message, "GET / \"quoted\" \\ caf\u00e9 \U0001F600"u8);
        b.Set(DocumentField.Tags, [JsonEncodedText.Encode("private_ip"), JsonEncodedText.Encode("truncated")]);
        b.Set(DocumentField.EventKind, JsonEncodedText.Encode("event"));
        b.Set(DocumentField.EventCategory, Array.Empty<JsonEncodedText>());
        b.Set(DocumentField.EventDuration, long.MinValue);
        b.Set(DocumentField.HttpResponseStatusCode, 200L);
        b.Set(DocumentField.HttpResponseBodyBytes, long.MaxValue);
        b.Set(DocumentField.NginxRequestTime, 0.1);
        b.Set(DocumentField.NginxUpstreamResponseTime, 123456789.000001);
        b.Set(DocumentField.NginxTruncated, true);
        b.Set(DocumentField.LogPipelineParseRecovered, default(JsonEncodedText));
        b.Set(DocumentField.SourceGeoCountryName, "C\u00f4te d\u2019Ivoire");
        b.Set(DocumentField.UserAgentName, "Chrome Mobile");
        b.Set(DocumentField.KubernetesLabels, [(JsonEncodedText.Encode("app"), "shop"), (JsonEncodedText.Encode("tier"), "\u00e9\"x\""), (JsonEncodedText.Encode("none"), null!)]);

        AssertSameAsOracle(b, "every kind");
    }

    [Fact]
    public void Objects_open_only_around_set_fields_and_empty_documents_stay_empty()
    {
        var b = new DocumentBuilder();
        AssertSameAsOracle(b, "nothing set");
        Assert.Equal("{}", Write(b));

        // Deepest field alone (source.geo.country_name), then a first and a last member of one object, then the last field.
        b.Set(DocumentField.SourceGeoCountryName, "Germany");
        AssertSameAsOracle(b, "one nested field");
        Assert.Equal("""{"source":{"geo":{"country_name":"Germany"}}}""", Write(b));

        b.Clear();
        b.Set(DocumentField.EventKind, JsonEncodedText.Encode("event"));
        b.Set(DocumentField.EventOriginal, "x"u8);
        b.Set(DocumentField.TlsVersion, "1.3"u8);
        AssertSameAsOracle(b, "first/last members");

        // Every field alone, then every pair of neighbours (an object closing just before the next one opens).
        for (var i = 0; i < AllFields.Length; i++)
        {
            b.Clear();
            b.Set(AllFields[i], 7L);
            AssertSameAsOracle(b, $"only {AllFields[i]}");
            if (i + 1 < AllFields.Length)
            {
                b.Set(AllFields[i + 1], "v"u8);
                AssertSameAsOracle(b, $"{AllFields[i]} + {AllFields[i + 1]}");
            }
        }

        foreach (var field in AllFields)
        {
            b.Set(field, true);
        }

        AssertSameAsOracle(b, "every field");
    }

    [Fact]
    public void Hostile_strings_are_escaped_exactly_as_the_relaxed_encoder_escapes_them()
    {
        var b = new DocumentBuilder();
        foreach (var text in Hostile)
        {
            foreach (var value in new[] { text, "plain " + text + " text", text + text })
            {
                b.Clear();
                b.Set(DocumentField.Message, Encoding.UTF8.GetBytes(value));
                b.Set(DocumentField.UserAgentName, value);
                b.Set(DocumentField.SourceGeoCountryName, value);
                b.Set(DocumentField.EventKind, JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping));
                b.Set(DocumentField.KubernetesLabels, [(JsonEncodedText.Encode("k"), value)]);
                AssertSameAsOracle(b, Describe(value));

                // The same string instance again: the second write comes from the escaped-text cache.
                AssertSameAsOracle(b, Describe(value) + " (again)");
            }
        }
    }

    [Fact]
    public void A_value_set_for_two_fields_is_written_for_both_as_if_set_for_each()
    {
        var b = new DocumentBuilder();
        foreach (var text in Hostile)
        {
            var line = Encoding.UTF8.GetBytes("1.2.3.4 - - \"GET /" + text + " HTTP/1.1\" 200");
            b.Clear();
            b.Set(DocumentField.Message, DocumentField.EventOriginal, line);
            b.Set(DocumentField.UrlPath, Encoding.UTF8.GetBytes(text));
            AssertSameAsOracle(b, "shared " + Describe(text));
            var written = Write(b);

            // The same document with the value set for each field on its own.
            b.Clear();
            b.Set(DocumentField.Message, line);
            b.Set(DocumentField.EventOriginal, line);
            b.Set(DocumentField.UrlPath, Encoding.UTF8.GetBytes(text));
            Assert.Equal(Write(b), written);
        }

        // A second document after Clear must not reuse the first one's escaped value.
        b.Clear();
        b.Set(DocumentField.Message, DocumentField.EventOriginal, "first \"a\""u8);
        Assert.Contains("first", Write(b), StringComparison.Ordinal);
        b.Clear();
        b.Set(DocumentField.Message, DocumentField.EventOriginal, "other \"b\""u8);
        AssertSameAsOracle(b, "after clear");
        Assert.DoesNotContain("first", Write(b), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_from_decoded_escapes_is_replaced_as_utf8jsonwriter_replaces_it()
    {
        // Lines are valid UTF-8, but an nginx \xHH escape or a %HH in the path decodes to any byte.
        byte[][] invalid =
        [
            [0xFF], [0x80], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98], [0xF4, 0x90, 0x80, 0x80],
            [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [(byte)'a', 0xFE, (byte)'"', 0xC3, 0xA9, 0xC3],
            [0xE2, 0x82, (byte)'"'], [0xF0, 0x9F, (byte)'\\', 0x98, 0x80], [0xC3, 0x0A, 0xA9], [0xED, 0xBF, 0xBF, 0x7F],
        ];
        var b = new DocumentBuilder();
        foreach (var bytes in invalid)
        {
            b.Clear();
            b.Set(DocumentField.UrlPath, bytes);
            b.Set(DocumentField.UserAgentOriginal, [.. "Bot "u8, .. bytes, .. " end"u8]);
            AssertSameAsOracle(b, Convert.ToHexString(bytes));
            Assert.Contains("\\uFFFD", Write(b), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Strings_with_lone_surrogates_give_the_same_result()
    {
        var b = new DocumentBuilder();
        foreach (var text in new[] { "\uD800", "a\uDC00b", "end\uDBFF", "\uDFFF\uD800", "\uD83D\uDE00\uD83D" })
        {
            b.Clear();
            b.Set(DocumentField.UserAgentDeviceName, text);
            AssertSameAsOracle(b, Describe(text));
            Assert.Contains("\\uFFFD", Write(b), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Doubles_are_formatted_as_utf8jsonwriter_formats_them()
    {
        var random = new Random(14_03);
        var values = new List<double>
        {
            0, -0.0, 1, -1, 0.1, 0.2, 0.30000000000000004, 1e-7, 1e-6, 123.456, 1e15, 1e16, 1e17, 1e21, 1e22, 1e-300,
            double.Epsilon, double.MaxValue, double.MinValue, 5e-324, 2.2250738585072014E-308, 9007199254740993,
            0.000_001, 0.001, 0.125, 60.000, 86_399.999, 1.0 / 3, 2.0 / 3, Math.PI, Math.E,
        };
        for (var i = 0; i < 5_000; i++)
        {
            var bits = BitConverter.DoubleToInt64Bits(random.NextDouble()) ^ ((long)random.Next() << 32);
            var value = BitConverter.Int64BitsToDouble(bits);
            values.Add(double.IsFinite(value) ? value : random.NextDouble() * Math.Pow(10, random.Next(-20, 20)));
            values.Add(Math.Round(random.NextDouble() * 100, 3));
        }

        var b = new DocumentBuilder();
        foreach (var value in values)
        {
            b.Clear();
            b.Set(DocumentField.NginxRequestTime, value);
            AssertSameAsOracle(b, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }

        b.Clear();
        b.Set(DocumentField.NginxRequestTime, double.NaN);
        Assert.Throws<ArgumentException>(() => b.WriteTo(new ArrayBufferWriter<byte>()));
        Assert.ThrowsAny<ArgumentException>(() => Utf8JsonWriterOracle.Write(b));
    }

    [Fact]
    public void Random_documents_are_written_as_utf8jsonwriter_writes_them()
    {
        var random = new Random(20_261_202);
        var b = new DocumentBuilder();

        // Some strings are reused across documents, as the user-agent parser and GeoIP hand out the same instances.
        var shared = Enumerable.Range(0, 40).Select(_ => RandomText(random, 12)).ToArray();
        for (var doc = 0; doc < 4_000; doc++)
        {
            b.Clear();
            foreach (var field in AllFields)
            {
                if (random.Next(3) == 0)
                {
                    continue;
                }

                SetRandom(b, field, random, shared);
            }

            AssertSameAsOracle(b, $"random document {doc}");
        }
    }

    [Fact]
    public void Documents_of_real_lines_are_written_as_utf8jsonwriter_writes_them()
    {
        var now = new DateTimeOffset(2023, 10, 10, 21, 0, 0, TimeSpan.Zero);
        var received = new DateTimeOffset(2023, 10, 10, 20, 59, 59, 500, TimeSpan.Zero);
        var combined = new DocumentFactory(AccessLogFormat.Compile("combined"), TestData.Geo, TestData.UserAgents, DocumentDefaults.Default, new FakeTimeProvider(now));
        var rich = new DocumentFactory(AccessLogFormat.Compile("logpipeline"), TestData.Geo, TestData.UserAgents, DocumentDefaults.FromDataStream("logs-logpipeline.nginx-default"), new FakeTimeProvider(now));
        var pod = new KubernetesSource(new LogPipeline.Contracts.SourceMetadata(
            "kubernetes", "shop", "web-7d9f-abcde", "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11", "node-3", "nginx",
            [new("app.kubernetes.io/name", "storefront"), new("app", "l\u00e9gacy \"x\"")]));
        var plain = new SourceInfo("web-7d9f-abcde", "2049:1234:00ff00ff00ff00ff", 4096, false, received);
        var truncated = plain with { Truncated = true };
        var inPod = plain with { Kubernetes = pod };
        const string chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        const string iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
        (DocumentFactory Factory, string Line, SourceInfo Source)[] cases =
        [
            (combined, "8.8.8.8 - alice [10/Oct/2023:13:55:36 -0700] \"GET /caf\\xC3\\xA9/index.html?q=1&r=%20 HTTP/1.1\" 200 2326 \"https://example.com/start\" \"" + chrome + "\"", plain),
            (combined, "8.8.8.8 - - [12/Feb/2024:03:04:05 +0000] \"\\x16\\x03\\x01\\x00\\xF1\\x01\\x00\\x00\\xED\\x03\\x03\" 400 157 \"-\" \"-\"", plain),
            (combined, "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET /\\xD0\\xBF\\xD1\\x80\\xD0\\xB8 HTTP/1.1\" 200 1 \"-\" \"Bot \\x22quoted\\x22 \\xFF\"", plain),
            (combined, "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET /very/long/url/that/was/cut", truncated),
            (combined, "10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] \"GET /%E2%80%A8%00%22 HTTP/1.1\" 404 0 \"-\" \"curl/8.5.0\"", plain),
            (combined, "81.2.69.142 - - [01/Jan/2024:00:00:00 +0100] \"POST /api?x=<script>&y='1' HTTP/2.0\" 201 12 \"https://r\u00e9f\u00e9rent.example/\u2028\" \"" + iphone + "\"", plain),
            (combined, "2001:db8::1 - - [29/Feb/2024:23:59:59 -1200] \"GET / HTTP/1.1\" 200 0 \"-\" \"Googlebot/2.1 (+http://www.google.com/bot.html)\"", plain),
            (rich, "203.0.113.9 - - [01/Dec/2026:10:00:00 +0100] \"GET /shop/cart?item=42 HTTP/2.0\" 200 512 \"-\" \"curl/8.5.0\" \"203.0.113.9, 10.0.0.1\" shop.example.com 0.125 \"0.010, 0.100\" \"10.1.0.5:8080, 10.1.0.6:8080\" 734 TLSv1.3", inPod),
            (rich, "203.0.113.9 - - [01/Dec/2026:10:00:00 +0100] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 \u00e9\" \"-\" h\u00f6st.example 1.5 \"-\" \"-\" 80 TLSv1", inPod),
        ];

        var written = 0;
        foreach (var (factory, line, source) in cases)
        {
            var output = new ArrayBufferWriter<byte>();
            var result = factory.TryCreate(Encoding.UTF8.GetBytes(line), source, output);
            Assert.True(result.Success, $"{result.Error}: {line}");

            // The builder is the calling thread's, as TryCreate left it.
            var expected = Utf8JsonWriterOracle.Write(DocumentFactory.LastBuilder!);
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(output.WrittenSpan));
            Assert.True(expected.AsSpan().SequenceEqual(output.WrittenSpan), line);
            written++;
        }

        Assert.Equal(cases.Length, written);
    }

    private static void SetRandom(DocumentBuilder b, DocumentField field, Random random, string[] shared)
    {
        switch (random.Next(10))
        {
            case 0:
                b.Set(field, Encoding.UTF8.GetBytes(RandomText(random, 80)));
                break;
            case 1:
                // Any byte at all (decoded \xHH escapes), valid UTF-8 or not.
                var bytes = new byte[random.Next(1, 40)];
                random.NextBytes(bytes);
                b.Set(field, bytes);
                break;
            case 2:
                b.Set(field, random.Next(2) == 0 ? shared[random.Next(shared.Length)] : RandomText(random, 30));
                break;
            case 3:
                b.Set(field, JsonEncodedText.Encode(RandomText(random, 20)));
                break;
            case 4:
                b.Set(field, Enumerable.Range(0, random.Next(4)).Select(_ => JsonEncodedText.Encode(RandomText(random, 10))).ToArray());
                break;
            case 5:
                b.Set(field, random.Next(4) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.Next(-1000, 100_000));
                break;
            case 6:
                b.Set(field, random.Next(2) == 0 ? Math.Round(random.NextDouble() * 10, 3) : random.NextDouble() * Math.Pow(10, random.Next(-30, 30)));
                break;
            case 7:
                b.Set(field, random.Next(2) == 0);
                break;
            case 8:
                var ticks = random.NextInt64(TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay);
                b.Set(field, new DateTimeOffset(ticks, TimeSpan.FromMinutes(random.Next(-14 * 60, (14 * 60) + 1))));
                break;
            default:
                b.Set(field, Enumerable.Range(0, random.Next(4))
                    .Select(i => (JsonEncodedText.Encode($"key{i}"), random.Next(2) == 0 ? shared[random.Next(shared.Length)] : RandomText(random, 15)))
                    .ToArray());
                break;
        }
    }

    /// <summary>A mix of plain ASCII runs, hostile pieces and random scalars from every UTF-8 length.</summary>
    private static string RandomText(Random random, int maxPieces)
    {
        var sb = new StringBuilder();
        var pieces = random.Next(1, maxPieces);
        for (var i = 0; i < pieces; i++)
        {
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    for (var n = random.Next(1, 12); n > 0; n--)
                    {
                        sb.Append((char)random.Next(0x20, 0x7F));
                    }

                    break;
                case 2:
                    sb.Append(Hostile[random.Next(Hostile.Length)]);
                    break;
                case 3:
                    sb.Append((char)random.Next(0, 0x80));
                    break;
                case 4:
                    sb.Append((char)random.Next(0x80, 0x800));
                    break;
                default:
                    var scalar = random.Next(2) == 0 ? random.Next(0x800, 0xD800) : random.Next(0xE000, 0x110000);
                    sb.Append(char.ConvertFromUtf32(scalar));
                    break;
            }
        }

        return sb.ToString();
    }

    private static string[] BuildHostile()
    {
        var list = new List<string>();
        for (var c = 0; c < 0x80; c++)
        {
            list.Add(((char)c).ToString());
        }

        list.Add(new string([.. Enumerable.Range(0, 0x80).Select(c => (char)c)]));
        list.AddRange(
        [
            "\"", "\\", "\\\"", "\"\\\"", "\\u0041", "\u007F", "<>&'+`", "<script>alert('x')</script>", "&amp;", "%00%22",
            "\u00e9", "caf\u00e9", "\u20ac", "\u65e5\u672c\u8a9e", "\U0001F600", "a\U0001F600b", "\U0001F600\U0001F4A9",
            "\u2028", "\u2029", "x\u2028y\u2029z", "\uFFFD", "\uFEFF", "\uFEFFbom", "\u0085", "\u00A0", "\u00AD",
            "\u0378", "\uE000", "\uFFFE", "\uFFFF", "\U0010FFFF", "\u200B\u200D", "e\u0301", "\u061C", "\u202E",
            "\u0080", "\u07FF", "\u0800", "\uD7FF", "\U00010000", "\u00C3\u00A9", "\u00FF\u00FE",
            new string('a', 10_000),
            string.Concat(Enumerable.Repeat("\u00e9\"\\\u0001\U0001F600<", 3_000)),
            string.Concat(Enumerable.Repeat("\U0001F600", 5_000)),
        ]);
        return [.. list];
    }

    private static string Describe(string value) =>
        value.Length > 40 ? $"{value.Length} chars starting U+{(int)value[0]:X4}" : string.Join(" ", value.Select(c => $"U+{(int)c:X4}"));

    private static string Write(DocumentBuilder b)
    {
        var output = new ArrayBufferWriter<byte>();
        b.WriteTo(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static void AssertSameAsOracle(DocumentBuilder b, string what)
    {
        byte[]? expected = null;
        Exception? expectedError = null;
        try
        {
            expected = Utf8JsonWriterOracle.Write(b);
        }
        catch (ArgumentException ex)
        {
            expectedError = ex;
        }

        foreach (var output in new IBufferWriter<byte>[] { new ArrayBufferWriter<byte>(), new StingyBufferWriter() })
        {
            byte[]? actual = null;
            Exception? error = null;
            try
            {
                b.WriteTo(output);
                actual = output is ArrayBufferWriter<byte> a ? a.WrittenSpan.ToArray() : ((StingyBufferWriter)output).Written;
            }
            catch (ArgumentException ex)
            {
                error = ex;
            }

            if (expectedError is not null || error is not null)
            {
                Assert.True(expectedError is not null && error is not null, $"{what}: Utf8JsonWriter threw {expectedError?.Message ?? "nothing"}, the writer threw {error?.Message ?? "nothing"}");
                continue;
            }

            if (!expected.AsSpan().SequenceEqual(actual))
            {
                Assert.Fail($"{what} ({output.GetType().Name}):\nexpected {Encoding.UTF8.GetString(expected!)}\nactual   {Encoding.UTF8.GetString(actual!)}");
            }
        }
    }

    /// <summary>Hands out spans of exactly the size asked for (at least one byte), so the writer's refills are exercised.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _span = [];

        public byte[] Written => [.. _written];

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _span.Length);
            _written.AddRange(_span.AsSpan(0, count));
            _span = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _span = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => _span = new byte[Math.Max(sizeHint, 1)];
    }
}
