using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.UserAgentRules;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>
/// The build's source-generated, ReadyToRun copy of uap-core's rules (src/LogPipeline.Ingest.UserAgentRules): that the
/// build produced it for the regexes.yaml next to the tests, and when the worker does and does not use it. That its
/// answers are uap-core's is the conformance test (UapConformanceTests, on TestData.UserAgents) and the differential
/// test against the interpreter trying every rule (UserAgentPrefilterTests).
/// </summary>
public sealed class PrecompiledRulesTests
{
    [Fact]
    public void The_build_precompiled_every_rule_of_the_pinned_regexes_yaml_to_native_code_for_this_platform_and_framework()
    {
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64) || !OperatingSystem.IsLinux())
        {
            Assert.Skip($"the ReadyToRun step targets the build machine; this test checks it on linux-x64/arm64, not {RuntimeInformation.RuntimeIdentifier}");
        }

        Assert.Null(PrecompiledRuleSet.NotUsableReason);
        var parser = new UserAgentParser(TestData.RegexesPath);
        Assert.Equal(parser.RuleCount, PrecompiledRuleSet.Count);
        Assert.Equal(parser.RuleCount, parser.PrecompiledCount);
        Assert.All(parser.Rules, r => Assert.True(r.IsCompiled));
        Assert.StartsWith("regexes.yaml, SHA-256 ", PrecompiledRules.GeneratedFrom, StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_default_match_timeout_is_the_one_the_rules_carry()
    {
        Assert.Equal(PrecompiledRuleSet.MatchTimeout, new UserAgentOptions().MatchTimeout);
        var rule = new UserAgentParser(TestData.RegexesPath).Rules.First();
        Assert.Equal(PrecompiledRuleSet.MatchTimeout, rule.Regex.MatchTimeout);
    }

    [Fact]
    public void Another_match_timeout_runs_every_rule_on_the_runtime_engines_with_the_same_answers()
    {
        var interpreted = new UserAgentParser(TestData.RegexesPath, matchTimeout: TestData.UnhurriedMatchTimeout);
        Assert.Equal(0, interpreted.PrecompiledCount);
        Assert.DoesNotContain(interpreted.Rules, r => r.IsCompiled);
        Assert.All(interpreted.Rules, r => Assert.Equal(TestData.UnhurriedMatchTimeout, r.Regex.MatchTimeout));

        var conformance = UapConformance.AllUserAgents();
        foreach (var ua in conformance.Where((_, i) => i % 25 == 0))
        {
            Assert.Equal(interpreted.Resolve(ua), TestData.UserAgents.Resolve(ua));
        }
    }

    [Fact]
    public void A_rule_is_looked_up_by_its_exact_pattern_and_options()
    {
        var first = new UserAgentParser(TestData.RegexesPath).Rules.First().Regex;
        var pattern = first.ToString();
        Assert.NotNull(PrecompiledRuleSet.Find(pattern, first.Options, PrecompiledRuleSet.MatchTimeout));
        Assert.Null(PrecompiledRuleSet.Find(pattern, first.Options ^ RegexOptions.IgnoreCase, PrecompiledRuleSet.MatchTimeout));
        Assert.Null(PrecompiledRuleSet.Find(pattern + "x", first.Options, PrecompiledRuleSet.MatchTimeout));
        Assert.Null(PrecompiledRuleSet.Find(pattern, first.Options, PrecompiledRuleSet.MatchTimeout + TimeSpan.FromMilliseconds(1)));
    }
}
