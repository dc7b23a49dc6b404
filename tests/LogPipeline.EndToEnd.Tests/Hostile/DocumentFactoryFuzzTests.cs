using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.EndToEnd.Tests.Hostile;

/// <summary>
/// The whole <see cref="IDocumentFactory"/> (parse → GeoIP → UA → ECS JSON) under random bytes, mutated
/// lines and hostile fields, time-boxed and seeded: it never throws, and each line is either one valid JSON
/// object or a failure with a reason and no output.
/// </summary>
public sealed class DocumentFactoryFuzzTests
{
    private const int Seed = 14_03_2025;
    private static readonly TimeSpan TimeBox = TimeSpan.FromSeconds(10);

    [Fact]
    public void Random_and_mutated_lines_give_a_document_or_a_reason_never_an_exception()
    {
        var factory = CreateFactory();
        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        int cases = 0, documents = 0, failures = 0;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        while (clock.Elapsed < TimeBox)
        {
            var line = HostileInput.Line(random);
            var truncated = random.Next(4) == 0;
            var source = new SourceInfo("fuzz-pod", "1:2:abcdef", random.NextInt64(0, long.MaxValue), truncated, DateTimeOffset.UtcNow);
            var output = new ArrayBufferWriter<byte>();
            DocumentResult result;
            try
            {
                result = factory.TryCreate(line, source, output);
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {Seed}, case {cases}: TryCreate threw {ex.GetType().Name}: {ex.Message}\nline (base64): {Convert.ToBase64String(line)}");
                throw;
            }

            cases++;
            if (result.Success)
            {
                documents++;
                AssertDocument(output.WrittenSpan, truncated, line);
            }
            else
            {
                failures++;
                Assert.False(string.IsNullOrWhiteSpace(result.Error), $"seed {Seed}, case {cases}: failure without a reason");
                Assert.Equal(0, output.WrittenCount);
                var key = result.Error!.Length > 40 ? result.Error[..40] : result.Error;
                reasons[key] = reasons.GetValueOrDefault(key) + 1;
            }
        }

        // Both outcomes must be exercised, or the generator is not doing its job.
        Assert.True(documents > 20 && failures > 20, $"documents {documents}, failures {failures} in {cases} cases");
        Measurements.Record(
            "document-factory-fuzz",
            $"{cases} cases, {documents} documents, {failures} failures; reasons: " +
            string.Join("; ", reasons.OrderByDescending(r => r.Value).Take(8).Select(r => $"{r.Key} ×{r.Value}")));
    }

    [Fact]
    public void The_hostile_corpus_lines_give_a_document_or_a_reason()
    {
        var factory = CreateFactory();
        foreach (var (file, index, line) in HostileCorpus.Lines())
        {
            var output = new ArrayBufferWriter<byte>();
            var result = factory.TryCreate(line, new SourceInfo("corpus", "1:2:3", index, false, DateTimeOffset.UtcNow), output);
            if (result.Success)
            {
                AssertDocument(output.WrittenSpan, false, line);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Error), $"{file} line {index + 1}: failure without a reason");
                Assert.Equal(0, output.WrittenCount);
            }
        }
    }

    internal static DocumentFactory CreateFactory()
    {
        var regexes = UserAgentFuzzTests.RegexesPath();
        var geo = Path.Combine(Binaries.DataDirectory, "geo-whois-asn-country.mmdb");
        if (!File.Exists(geo))
        {
            Assert.Skip($"{geo} is missing: run build/fetch-data.sh data (CI does).");
        }

        return new DocumentFactory(
            AccessLogFormat.Compile(AccessLogFormat.Combined),
            new GeoIpLookup(geo),
            new UserAgentParser(regexes),
            DocumentDefaults.Default,
            TimeProvider.System);
    }

    private static void AssertDocument(ReadOnlySpan<byte> json, bool truncated, byte[] line)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.True(root.TryGetProperty("@timestamp", out _), "document without @timestamp: " + Convert.ToBase64String(line));
        if (truncated)
        {
            Assert.Contains("truncated", root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
    }
}
