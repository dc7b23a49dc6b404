using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>
/// uap-core's conformance suite through the product's parser (the prefiltered engine the worker runs):
/// every case of every file must give the expected fields, 100 %.
/// </summary>
public sealed class UapConformanceTests
{
    public static TheoryData<string> FileNames() => [.. UapConformance.Files.Select(f => f.File)];

    [Theory]
    [MemberData(nameof(FileNames))]
    public void Every_case_of_the_uap_core_file_parses_as_expected(string file)
    {
        var path = UapConformance.RequireFile(file);
        var kind = UapConformance.Files.Single(f => f.File == file).Parser;
        var parser = TestData.UserAgents;
        var cases = UapConformance.Cases(path);
        var failures = new List<string>();
        foreach (var (ua, expected) in cases)
        {
            var (actual, fields) = kind switch
            {
                UapConformance.Parser.UserAgent => (Fields(parser.ParseUserAgent(ua)), new[] { "family", "major", "minor", "patch" }),
                UapConformance.Parser.Os => (Fields(parser.ParseOs(ua)), new[] { "family", "major", "minor", "patch", "patch_minor" }),
                _ => (Fields(parser.ParseDevice(ua)), new[] { "family", "brand", "model" }),
            };
            foreach (var field in fields)
            {
                var want = expected.GetValueOrDefault(field);
                if (!string.Equals(want, actual[field], StringComparison.Ordinal))
                {
                    failures.Add($"{field}: expected '{want}', got '{actual[field]}' for {ua}");
                    break;
                }
            }
        }

        var summary = $"{file}: {cases.Count - failures.Count} of {cases.Count} cases pass ({kind})";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        TestContext.Current.SendDiagnosticMessage(summary);
        Assert.True(cases.Count > 0, $"{file} has no cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases of {file} fail, e.g.:\n" + string.Join('\n', failures.Take(20)));
    }

    [Fact]
    public void The_conformance_files_hold_all_31122_cases()
    {
        var counts = UapConformance.Files.Select(f => UapConformance.Cases(UapConformance.RequireFile(f.File)).Count).ToList();
        var summary = "cases per file: " + string.Join(", ", UapConformance.Files.Select((f, i) => $"{f.File} {counts[i]}"));
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        TestContext.Current.SendDiagnosticMessage(summary);
        Assert.Equal(31_122, counts.Sum());
    }

    private static Dictionary<string, string?> Fields(UapResult r) => new()
    {
        ["family"] = r.Family,
        ["major"] = r.Major,
        ["minor"] = r.Minor,
        ["patch"] = r.Patch,
        ["patch_minor"] = r.PatchMinor,
    };

    private static Dictionary<string, string?> Fields(UapDevice d) => new()
    {
        ["family"] = d.Family,
        ["brand"] = d.Brand,
        ["model"] = d.Model,
    };
}
