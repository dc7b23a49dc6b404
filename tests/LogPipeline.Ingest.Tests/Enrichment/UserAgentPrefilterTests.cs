using System.Text;
using System.Text.RegularExpressions;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>
/// The prefilter must never change an answer: it may only skip a rule whose regex cannot match. Checked three ways —
/// the folding against the regex engine's own case equivalences, every rule against the user agents one by one, and
/// the whole prefiltered parser against a naive "try every rule in order" parser.
/// </summary>
public sealed class UserAgentPrefilterTests
{
    private const int Seed = 14_2026;

    private static readonly string[] Pieces =
    [
        "Mozilla/5.0 (", "Windows NT 10.0; ", "Win64; x64", ") ", "AppleWebKit/537.36 ", "(KHTML, like Gecko) ", "Chrome/",
        "Safari/", "Version/", "Mobile/", "Android ", "Linux; ", "Build/", "iPhone; CPU iPhone OS ", "like Mac OS X",
        "Firefox/", "Gecko/", "rv:", "bot", "crawler", "spider", "MSIE ", "Trident/", "Opera", "OPR/", "Edg/", "; ", " ",
        "SM-G991B", "SAMSUNG", "Kindle", "Silk/", "CFNetwork/", "Darwin/", "okhttp/", "Dalvik/", "HTC", "Nexus 5",
        "1", "2.", "0.", ".", "_", "-", "/", "(", ")", ";", "\\", "\"", "<script>", "%00", "é", "中文", "\uFFFD", "\t",
        "\u212A", "\u017F", "\u0130", "\u0131", "İ", "K",
    ];

    [Fact]
    public void Folding_merges_every_pair_the_regex_engine_treats_as_equal_ignoring_case()
    {
        // Every character a pattern of regexes.yaml uses, plus printable ASCII.
        var patternChars = File.ReadAllText(TestData.RegexesPath).Where(c => c >= 128).Distinct();
        var literals = Enumerable.Range(0x20, 0x5F).Select(i => (char)i).Concat(patternChars).Distinct().ToList();
        var violations = new List<string>();
        Span<char> one = stackalloc char[1];
        foreach (var p in literals)
        {
            var regex = new Regex("^" + Regex.Escape(p.ToString()) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            for (var c = 0; c <= char.MaxValue; c++)
            {
                one[0] = (char)c;
                if (regex.IsMatch(one) && CaseFold.Fold((char)c) != CaseFold.Fold(p))
                {
                    violations.Add($"U+{c:X4} matches '{p}' ignoring case but folds to U+{(int)CaseFold.Fold((char)c):X4}, not U+{(int)CaseFold.Fold(p):X4}");
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join('\n', violations.Take(20)));
    }

    [Theory]
    [InlineData(@"(Chrome)/(\d+)\.(\d+)", "chrome/")]
    [InlineData(@"(?:Opera|OPR)/(\d+)", "opera/|opr/")]
    [InlineData(@"[Ss]amsung[- ]", "samsung-|samsung ")]
    [InlineData(@"(Firefox)(?:/(\d+)|)", "firefox")]
    [InlineData(@"\b(Dalvik)/(\d+)", "dalvik/")]
    [InlineData(@"Mobile(?: Safari|)/(\d+)", "mobile/|mobile safari/")]
    [InlineData(@"(HTC)[_ ]?(Desire)", "htc_desire|htc desire|htcdesire")]
    [InlineData(@"(ab)+c", "ab")]
    public void Required_atoms_are_extracted_from_the_regex(string pattern, string bestClause)
    {
        var clauses = RegexAtoms.Extract(pattern);

        Assert.NotEmpty(clauses);
        Assert.Contains(clauses, c => string.Join('|', c.Order(StringComparer.Ordinal)) == string.Join('|', bestClause.Split('|').Order(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData(@"(\w+)/(\d+)", "/")] // only the slash is literal
    [InlineData(@"(?:Chrome|\d+)/", "/")] // a branch without a literal: the alternation requires nothing
    [InlineData(@"(Chrome)?", "")] // optional
    [InlineData(@"Chrome*", "chrom")] // quantified to zero
    [InlineData(@"(?i)chrome", "")] // inline options are not reasoned about: always a candidate
    [InlineData(@"(a)\1x", "")] // nor backreferences
    [InlineData(@"(?=Chrome)\w+", "")] // lookaround content contributes nothing
    [InlineData(@"[a-z-[aeiou]]x", "")] // nor class subtraction
    [InlineData(@"[^a]bc", "bc")] // a negated class ends a literal
    [InlineData(@"Safari\.|Chrome\(", "safari.|chrome(")] // escapes are the characters they stand for
    public void Unknown_or_optional_parts_never_become_required(string pattern, string expected)
    {
        var clauses = RegexAtoms.Extract(pattern);

        var actual = string.Join(" & ", clauses.Select(c => string.Join('|', c.Order(StringComparer.Ordinal))));
        var want = string.Join(" & ", expected.Length == 0 ? [] : new[] { string.Join('|', expected.Split('|').Order(StringComparer.Ordinal)) });
        Assert.Equal(want, actual);
    }

    [Fact]
    public void No_rule_the_prefilter_skips_can_match_the_user_agent()
    {
        // Rule by rule (stronger than first-match equality): every rule whose regex matches must be a candidate.
        var regexes = UapRegexes.Load(TestData.RegexesPath, TimeSpan.FromSeconds(5));
        UapRule[] rules = [.. regexes.UserAgents, .. regexes.OperatingSystems, .. regexes.Devices];
        var random = new Random(Seed);
        var conformance = UapConformance.AllUserAgents();
        var sample = conformance.Where((_, i) => i % 20 == 0).Concat(Hostile(random, conformance, 600)).ToList();
        var skipped = 0L;
        var violations = new List<string>();
        Span<ulong> found = stackalloc ulong[regexes.Scanner.Words];
        Span<ulong> candidates = stackalloc ulong[regexes.RuleWords];
        foreach (var ua in sample)
        {
            found.Clear();
            regexes.Candidates(ua, found, candidates);
            foreach (var rule in rules)
            {
                // What the engine runs: the rule is in the candidate set the scan produced, and its other clauses hold.
                var inSet = (candidates[rule.Index >> 6] & (1UL << rule.Index)) != 0;
                Assert.True(!rule.IsCandidate(found) || inSet, $"rule '{rule.Regex}' passes its clauses but is missing from the candidate set for {ua}");
                if (inSet && rule.IsCandidate(found))
                {
                    continue;
                }

                skipped++;
                if (rule.Regex.IsMatch(ua))
                {
                    violations.Add($"rule '{rule.Regex}' matches but was skipped for {ua}");
                }
            }
        }

        var always = rules.Count(r => r.AlwaysCandidate);
        TestContext.Current.SendDiagnosticMessage(
            $"{sample.Count} user agents × {rules.Length} rules: {skipped} skips checked; {always} rules always candidates; " +
            $"{regexes.Scanner.AtomCount} atoms, {regexes.Scanner.StateCount} automaton states");
        Assert.True(violations.Count == 0, string.Join('\n', violations.Take(20)));
        Assert.True(skipped > sample.Count * (long)rules.Length / 2, "the prefilter skips less than half the rules: it is not doing its job");
    }

    [Fact]
    public void The_prefiltered_parser_answers_exactly_like_trying_every_rule_in_order()
    {
        // The product's parser (precompiled rules) against the runtime's interpreter trying every rule in order.
        var prefiltered = new UserAgentParser(TestData.RegexesPath, 16, 512, null, prefilter: true);
        Assert.Equal(prefiltered.RuleCount, prefiltered.PrecompiledCount);
        var naive = new UserAgentParser(TestData.RegexesPath, 16, 512, TestData.UnhurriedMatchTimeout, prefilter: false);
        var random = new Random(Seed + 1);
        var conformance = UapConformance.AllUserAgents();
        var inputs = conformance.Concat(Hostile(random, conformance, 3000)).ToList();
        var differences = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // Both cores: the naive walk is the slow reference (about a millisecond a string).
        Parallel.ForEach(inputs, new ParallelOptions { MaxDegreeOfParallelism = 2 }, ua =>
        {
            if (prefiltered.ParseUserAgent(ua) is var a && naive.ParseUserAgent(ua) is var b && a != b)
            {
                differences.Enqueue($"browser {a} vs {b} for {ua}");
            }

            if (prefiltered.ParseOs(ua) is var c && naive.ParseOs(ua) is var d && c != d)
            {
                differences.Enqueue($"os {c} vs {d} for {ua}");
            }

            if (prefiltered.ParseDevice(ua) is var e && naive.ParseDevice(ua) is var f && e != f)
            {
                differences.Enqueue($"device {e} vs {f} for {ua}");
            }
        });

        TestContext.Current.SendDiagnosticMessage($"{conformance.Count} conformance + {inputs.Count - conformance.Count} hostile user agents compared");
        Assert.True(differences.IsEmpty, string.Join('\n', differences.Take(20)));
        Assert.Equal(0, prefiltered.Timeouts);
    }

    [Fact]
    public void Compiled_rules_answer_exactly_like_interpreted_ones()
    {
        var compiled = new UserAgentParser(TestData.RegexesPath, 16, 512, TestData.UnhurriedMatchTimeout, prefilter: true, precompiled: false);
        foreach (var rule in compiled.Rules)
        {
            rule.Promote(string.Empty);
        }

        Assert.All(compiled.Rules, r => Assert.True(r.IsCompiled));
        var reference = new UserAgentParser(TestData.RegexesPath, 16, 512, TestData.UnhurriedMatchTimeout, prefilter: false);
        var conformance = UapConformance.AllUserAgents();
        var inputs = conformance.Where((_, i) => i % 8 == 0).Concat(Hostile(new Random(Seed + 2), conformance, 500)).ToList();
        var differences = new List<string>();
        foreach (var ua in inputs)
        {
            if (compiled.Resolve(ua) is var a && reference.Resolve(ua) is var b && a != b)
            {
                differences.Add($"{a} vs {b} for {ua}");
            }
        }

        TestContext.Current.SendDiagnosticMessage($"{inputs.Count} user agents compared with every rule compiled");
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(20)));
    }

    /// <summary>A clock that moves <see cref="Step"/> microseconds each time it is read: every timed interpreted run costs exactly one step.</summary>
    private sealed class SteppingClock(long step) : TimeProvider
    {
        private long _now = 1_000_000;

        public long Step { get; } = step;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => Interlocked.Add(ref _now, Step);
    }

    private static RegexPromoter SteppedPromoter(long microsecondsPerRun) =>
        new(new SteppingClock(microsecondsPerRun), RegexPromoter.DefaultCompileSecondsPerChar);

    [Fact]
    public void Traffic_with_a_few_distinct_user_agents_compiles_no_rule()
    {
        // The cache answers repeats, so each rule runs at most once per distinct user agent: five runs of 50 µs
        // interpreted are far below what compiling any rule is estimated to cost.
        var parser = new UserAgentParser(TestData.RegexesPath, UserAgentOptions.DefaultCacheBytes, 512, TestData.UnhurriedMatchTimeout, prefilter: true,
            promoter: SteppedPromoter(50), precompiled: false);
        string[] agents =
        [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "curl/8.5.0",
        ];

        for (var i = 0; i < 2_000; i++)
        {
            parser.Parse(agents[i % agents.Length].AsSpan());
        }

        Assert.Equal(agents.Length, parser.CachedCount);
        Assert.Equal(0, parser.Promoter!.Pending);
        Assert.Equal(0, parser.Promoter.Promoted);
        Assert.DoesNotContain(parser.Rules, r => r.IsCompiled);
    }

    [Fact]
    public void A_rule_that_new_user_agents_keep_reaching_is_compiled_and_one_they_never_reach_is_not()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, UserAgentOptions.DefaultCacheBytes, 512, TestData.UnhurriedMatchTimeout, prefilter: true,
            promoter: SteppedPromoter(50), precompiled: false);
        var reference = new UserAgentParser(TestData.RegexesPath, 16, 512, TestData.UnhurriedMatchTimeout, prefilter: false);

        // Distinct Firefox builds: each one is a cache miss that reaches the same candidate rules, 50 µs a run, until
        // the rules they reach have cost what compiling them is estimated to.
        for (var build = 0; build < 2_000; build++)
        {
            var ua = $"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.{build}) Gecko/20100101 Firefox/121.{build}";
            Assert.Equal(reference.Resolve(ua), parser.Parse(ua.AsSpan()));
        }

        WaitForCompilation(parser);
        var compiled = parser.Rules.Where(r => r.IsCompiled).ToList();
        Assert.NotEmpty(compiled);
        Assert.Equal(compiled.Count, parser.Promoter!.Promoted);
        Assert.Contains(compiled, r => r.Regex.IsMatch("Firefox/121.0"));
        Assert.DoesNotContain(compiled, r => r.Regex.ToString().Contains("Googlebot", StringComparison.Ordinal));
        Assert.True(compiled.Count < parser.RuleCount / 4, $"{compiled.Count} of {parser.RuleCount} rules compiled for one browser");
        Assert.Equal(reference.Resolve("Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0"), parser.Resolve("Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0"));
    }

    [Fact]
    public void A_rule_is_compiled_once_its_interpreted_time_reaches_its_estimated_compile_cost_and_not_before()
    {
        var promoter = SteppedPromoter(100);
        var rule = new UapRule(new Regex("Firefox/(\\d+)\\.(\\d+)", RegexOptions.None, TestData.UnhurriedMatchTimeout), []);
        var budget = promoter.EstimatedCompileTicks(rule.PatternLength);
        Assert.Equal((long)(rule.PatternLength * RegexPromoter.DefaultCompileSecondsPerChar * 1_000_000), budget);

        // The first run is not timed; every later one costs one 100 µs step.
        var runsToBudget = 1 + (int)Math.Ceiling(budget / 100.0);
        for (var run = 1; run < runsToBudget; run++)
        {
            Assert.True(rule.Match($"Firefox/121.{run}", promoter).Success);
        }

        Assert.Equal(0, promoter.Pending);
        Assert.Equal(0, promoter.Promoted);
        Assert.False(rule.IsCompiled);

        Assert.Equal("7", rule.Match("Firefox/121.7", promoter).Groups[2].Value);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (promoter.Pending > 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(10);
        }

        Assert.Equal(1, promoter.Promoted);
        Assert.Equal(0, promoter.Failed);
        Assert.True(rule.IsCompiled);
        Assert.Equal("8", rule.Match("Firefox/121.8", promoter).Groups[2].Value);

        // That compilation took one step on this clock, far less than estimated: the estimate moves towards it.
        Assert.True(promoter.EstimatedCompileTicks(rule.PatternLength) < budget, $"{promoter.EstimatedCompileTicks(rule.PatternLength)} vs {budget}");
    }

    private static void WaitForCompilation(UserAgentParser parser)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (parser.Promoter!.Pending > 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(10);
        }

        Assert.Equal(0, parser.Promoter.Pending);
    }

    [Fact]
    public void A_rule_the_engine_spends_its_time_in_is_compiled_in_the_background()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, 16, 512, TestData.UnhurriedMatchTimeout, prefilter: true, precompiled: false);
        var reference = new UserAgentParser(TestData.RegexesPath, 16, 512, TestData.UnhurriedMatchTimeout, prefilter: false);
        const string bot = "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)";
        var expected = reference.Resolve(bot);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (parser.Promoter!.Promoted == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.Equal(expected, parser.Resolve(bot)); // the cache is bypassed: every call runs the rules
        }

        Assert.True(parser.Promoter.Promoted > 0, $"no rule compiled after {clock.Elapsed} of the same bot");
        Assert.Equal(0, parser.Promoter.Failed);
        Assert.Contains(parser.Rules, r => r.IsCompiled);
        Assert.Equal(expected, parser.Resolve(bot));
        Assert.DoesNotContain(reference.Rules, r => r.IsCompiled);
    }

    /// <summary>
    /// Seeded hostile inputs: conformance strings with flipped case and look-alike characters the case-insensitive
    /// rules treat as equal (KELVIN SIGN for k, long s, dotted/dotless i), cut, spliced, and random walks.
    /// </summary>
    private static IEnumerable<string> Hostile(Random random, List<string> conformance, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var baseUa = conformance.Count > 0 ? conformance[random.Next(conformance.Count)] : "Mozilla/5.0 (Linux; Android 13; SM-S918B)";
            var sb = new StringBuilder();
            switch (random.Next(5))
            {
                case 0:
                    foreach (var ch in baseUa)
                    {
                        sb.Append(random.Next(3) == 0 ? (char.IsUpper(ch) ? char.ToLowerInvariant(ch) : char.ToUpperInvariant(ch)) : ch);
                    }

                    break;
                case 1:
                    foreach (var ch in baseUa)
                    {
                        sb.Append((ch, random.Next(2)) switch
                        {
                            ('k' or 'K', 0) => "\u212A",
                            ('s' or 'S', 0) => "\u017F",
                            ('i' or 'I', 0) => random.Next(2) == 0 ? "\u0130" : "\u0131",
                            _ => ch.ToString(),
                        });
                    }

                    break;
                case 2:
                    sb.Append(baseUa, 0, random.Next(baseUa.Length + 1));
                    sb.Append(conformance.Count > 0 ? conformance[random.Next(conformance.Count)] : baseUa);
                    break;
                case 3:
                    var target = random.Next(1, 700);
                    while (sb.Length < target)
                    {
                        sb.Append(Pieces[random.Next(Pieces.Length)]);
                        if (random.Next(6) == 0)
                        {
                            sb.Append(random.Next(100_000));
                        }
                    }

                    break;
                default:
                    sb.Append(baseUa);
                    for (var n = random.Next(1, 6); n > 0 && sb.Length > 0; n--)
                    {
                        sb.Insert(random.Next(sb.Length), Pieces[random.Next(Pieces.Length)]);
                    }

                    break;
            }

            yield return sb.ToString();
        }
    }
}
