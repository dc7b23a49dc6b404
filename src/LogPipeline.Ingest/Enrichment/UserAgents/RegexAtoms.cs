namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Extracts from a regex the literal "atoms" any match must contain, for the prefilter. The result is a list of
/// clauses, each a set of case-folded strings (<see cref="CaseFold"/>): every string the regex matches contains, for
/// every clause, at least one of its atoms. An empty list means "no requirement known": the rule is always a
/// candidate. The walk is deliberately conservative — a wrong atom would silently skip a rule that should have
/// matched — so anything outside the plain subset uap-core uses (inline options, lookarounds' content,
/// backreferences, class subtraction, odd escapes) contributes nothing or makes the whole rule "always a candidate".
/// </summary>
internal static class RegexAtoms
{
    /// <summary>Largest set of exact alternatives carried through a concatenation or alternation.</summary>
    private const int MaxExact = 32;

    /// <summary>Largest character class turned into a set of one-character alternatives.</summary>
    private const int MaxClassChars = 4;

    /// <summary>Clauses kept per rule (the most selective ones): each costs a lookup per candidate check.</summary>
    private const int MaxClauses = 4;

    public static string[][] Extract(string pattern)
    {
        Info info;
        try
        {
            var parser = new Parser(pattern);
            info = parser.ParseAll();
        }
        catch (UnsupportedException)
        {
            return [];
        }

        var clauses = new List<string[]>(info.Clauses);
        if (ClauseOf(info.Exact) is { } exact)
        {
            clauses.Add(exact);
        }

        return [.. clauses
            .Where(c => c.Length > 0 && c.All(a => a.Length > 0))
            .Select(c => c.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray())
            .DistinctBy(c => string.Join('\0', c))
            .OrderByDescending(Score)
            .Take(MaxClauses)];
    }

    /// <summary>A clause is better when its shortest atom is longer (rarer), then when it has fewer atoms.</summary>
    private static int Score(string[] clause) => (Math.Min(clause.Min(a => a.Length), 16) * 1000) - clause.Length;

    /// <summary>An exact set as a clause: only when it cannot match the empty string.</summary>
    private static string[]? ClauseOf(HashSet<string>? exact) =>
        exact is { Count: > 0 } && !exact.Contains(string.Empty) ? [.. exact] : null;

    private static string[]? Best(Info info)
    {
        if (info.Exact is not null)
        {
            return ClauseOf(info.Exact);
        }

        return info.Clauses.Count == 0 ? null : info.Clauses.MaxBy(Score);
    }

    /// <summary>
    /// What a sub-expression guarantees: <see cref="Exact"/> = every string it can match (null when unknown or too
    /// many); <see cref="Clauses"/> = requirements on any string it matches (meaningful when Exact is null).
    /// </summary>
    private sealed record Info(HashSet<string>? Exact, List<string[]> Clauses)
    {
        /// <summary>Matches something (or nothing, zero-width) we know nothing about: ends a literal run.</summary>
        public static Info Opaque() => new(null, []);

        public static Info Literal(char c) => new([CaseFold.Fold(c).ToString()], []);

        public static Info Empty() => new([string.Empty], []);
    }

    private sealed class UnsupportedException : Exception
    {
    }

    private sealed class Parser(string pattern)
    {
        private int _pos;

        public Info ParseAll()
        {
            var info = ParseAlternation();
            if (_pos != pattern.Length)
            {
                throw new UnsupportedException();
            }

            return info;
        }

        private bool More => _pos < pattern.Length;

        private char Peek => pattern[_pos];

        private Info ParseAlternation()
        {
            var branches = new List<Info> { ParseConcatenation() };
            while (More && Peek == '|')
            {
                _pos++;
                branches.Add(ParseConcatenation());
            }

            if (branches.Count == 1)
            {
                return branches[0];
            }

            if (branches.All(b => b.Exact is not null))
            {
                var union = new HashSet<string>(StringComparer.Ordinal);
                foreach (var b in branches)
                {
                    union.UnionWith(b.Exact!);
                }

                if (union.Count <= MaxExact)
                {
                    return new Info(union, []);
                }
            }

            // One clause per branch; the alternation guarantees their union. A branch without one (it may match
            // without any known literal) leaves the alternation with no requirement.
            var atoms = new List<string>();
            foreach (var b in branches)
            {
                if (Best(b) is not { } clause)
                {
                    return Info.Opaque();
                }

                atoms.AddRange(clause);
            }

            return new Info(null, [[.. atoms]]);
        }

        private Info ParseConcatenation()
        {
            var clauses = new List<string[]>();
            HashSet<string> run = [string.Empty];
            var allExact = true;
            while (More && Peek is not ('|' or ')'))
            {
                var item = ParseQuantified();
                if (item.Exact is { } exact)
                {
                    var product = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var left in run)
                    {
                        foreach (var right in exact)
                        {
                            product.Add(left + right);
                        }
                    }

                    if (product.Count <= MaxExact)
                    {
                        run = product;
                    }
                    else
                    {
                        // Too many combinations: what came before is still a valid clause; start a new run here.
                        Flush(run, clauses);
                        run = [.. exact];
                    }
                }
                else
                {
                    allExact = false;
                    Flush(run, clauses);
                    run = [string.Empty];
                    clauses.AddRange(item.Clauses);
                }
            }

            if (allExact)
            {
                return new Info(run, []);
            }

            Flush(run, clauses);
            return new Info(null, clauses);
        }

        private static void Flush(HashSet<string> run, List<string[]> clauses)
        {
            if (ClauseOf(run) is { } clause)
            {
                clauses.Add(clause);
            }
        }

        private Info ParseQuantified()
        {
            var item = ParseAtom();
            if (!More)
            {
                return item;
            }

            int min, max;
            switch (Peek)
            {
                case '*':
                    (min, max) = (0, int.MaxValue);
                    _pos++;
                    break;
                case '+':
                    (min, max) = (1, int.MaxValue);
                    _pos++;
                    break;
                case '?':
                    (min, max) = (0, 1);
                    _pos++;
                    break;
                case '{':
                    (min, max) = ParseBraces();
                    break;
                default:
                    return item;
            }

            if (More && Peek == '?')
            {
                _pos++; // lazy: the same strings
            }

            if (More && Peek is '*' or '+' or '?' or '{')
            {
                throw new UnsupportedException(); // stacked quantifiers: not in uap-core, not worth reasoning about
            }

            if (max == 0)
            {
                return Info.Empty();
            }

            if (min == 0)
            {
                return max == 1 && item.Exact is { } exact ? new Info([.. exact, string.Empty], []) : Info.Opaque();
            }

            if (min == 1 && max == 1)
            {
                return item;
            }

            // At least one repetition: whatever one occurrence requires is required.
            var clauses = new List<string[]>(item.Clauses);
            if (ClauseOf(item.Exact) is { } one)
            {
                clauses.Add(one);
            }

            return new Info(null, clauses);
        }

        private (int Min, int Max) ParseBraces()
        {
            var close = pattern.IndexOf('}', _pos);
            if (close < 0)
            {
                throw new UnsupportedException(); // .NET reads it as a literal '{'; uap-core has none
            }

            var body = pattern.AsSpan(_pos + 1, close - _pos - 1);
            var comma = body.IndexOf(',');
            int min, max;
            if (comma < 0)
            {
                min = max = ParseCount(body);
            }
            else
            {
                min = ParseCount(body[..comma]);
                max = comma == body.Length - 1 ? int.MaxValue : ParseCount(body[(comma + 1)..]);
            }

            _pos = close + 1;
            return (min, max);
        }

        private static int ParseCount(ReadOnlySpan<char> digits)
        {
            if (digits.IsEmpty || !int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                throw new UnsupportedException();
            }

            return n;
        }

        private Info ParseAtom()
        {
            var c = pattern[_pos++];
            switch (c)
            {
                case '(':
                    return ParseGroup();
                case '[':
                    return ParseClass();
                case '.' or '^' or '$':
                    return Info.Opaque();
                case '\\':
                    return ParseEscape();
                case '*' or '+' or '?' or '{' or ')':
                    throw new UnsupportedException();
                default:
                    return Info.Literal(c);
            }
        }

        private Info ParseGroup()
        {
            var zeroWidth = false;
            if (More && Peek == '?')
            {
                _pos++;
                var rest = pattern.AsSpan(_pos);
                if (rest.StartsWith(":") || rest.StartsWith(">"))
                {
                    _pos++;
                }
                else if (rest.StartsWith("=") || rest.StartsWith("!"))
                {
                    _pos++;
                    zeroWidth = true;
                }
                else if (rest.StartsWith("<=") || rest.StartsWith("<!"))
                {
                    _pos += 2;
                    zeroWidth = true;
                }
                else if (rest.StartsWith("<") || rest.StartsWith("'"))
                {
                    var end = pattern.IndexOf(rest[0] == '<' ? '>' : '\'', _pos + 1);
                    if (end < 0)
                    {
                        throw new UnsupportedException();
                    }

                    _pos = end + 1; // a named group: matches what its content matches
                }
                else
                {
                    throw new UnsupportedException(); // inline options, conditionals, comments, balancing groups
                }
            }

            var inner = ParseAlternation();
            if (!More || Peek != ')')
            {
                throw new UnsupportedException();
            }

            _pos++;
            return zeroWidth ? Info.Opaque() : inner;
        }

        private Info ParseEscape()
        {
            if (!More)
            {
                throw new UnsupportedException();
            }

            var c = pattern[_pos++];
            switch (c)
            {
                // Classes, anchors and backreferences: a match contributes no literal we can name.
                case 'd' or 'D' or 'w' or 'W' or 's' or 'S' or 'b' or 'B' or 'A' or 'z' or 'Z' or 'G':
                    return Info.Opaque();
                case >= '1' and <= '9':
                    throw new UnsupportedException();
                case 't':
                    return Info.Literal('\t');
                case 'n':
                    return Info.Literal('\n');
                case 'r':
                    return Info.Literal('\r');
                case 'f':
                    return Info.Literal('\f');
                case 'v':
                    return Info.Literal('\v');
                case 'e':
                    return Info.Literal('\u001B');
                case 'a':
                    return Info.Literal('\u0007');
                default:
                    if (char.IsAsciiLetterOrDigit(c) || c == '_')
                    {
                        throw new UnsupportedException(); // \x, \u, \c, \p, \k, \0…: not in uap-core
                    }

                    return Info.Literal(c);
            }
        }

        /// <summary>A small positive class ([Ss], [ _]) is a set of one-character alternatives; anything else is opaque.</summary>
        private Info ParseClass()
        {
            var negated = More && Peek == '^';
            if (negated)
            {
                _pos++;
            }

            if (More && Peek == ']')
            {
                throw new UnsupportedException(); // a leading ']' is a literal in .NET; uap-core has none
            }

            var chars = new HashSet<char>();
            var opaque = false;
            while (true)
            {
                if (!More)
                {
                    throw new UnsupportedException();
                }

                var c = pattern[_pos++];
                if (c == ']')
                {
                    break;
                }

                if (c == '[')
                {
                    throw new UnsupportedException(); // subtraction or a literal '[': not reasoned about
                }

                char? single;
                if (c == '\\')
                {
                    single = ClassEscape(ref opaque);
                }
                else
                {
                    single = c;
                }

                if (single is not { } low)
                {
                    continue;
                }

                if (More && Peek == '-' && _pos + 1 < pattern.Length && pattern[_pos + 1] != ']')
                {
                    _pos++;
                    var h = pattern[_pos++];
                    if (h == '[')
                    {
                        throw new UnsupportedException();
                    }

                    char? high = h == '\\' ? ClassEscape(ref opaque) : h;
                    if (high is not { } hi || hi < low)
                    {
                        throw new UnsupportedException();
                    }

                    if (hi - low > 64)
                    {
                        opaque = true;
                    }
                    else
                    {
                        for (var x = low; x <= hi; x++)
                        {
                            chars.Add(CaseFold.Fold(x));
                        }
                    }
                }
                else
                {
                    chars.Add(CaseFold.Fold(low));
                }
            }

            if (negated || opaque || chars.Count == 0 || chars.Count > MaxClassChars)
            {
                return Info.Opaque();
            }

            return new Info([.. chars.Select(x => x.ToString())], []);
        }

        /// <summary>An escape inside a class: the character it stands for, or null (and opaque) for a class escape.</summary>
        private char? ClassEscape(ref bool opaque)
        {
            if (!More)
            {
                throw new UnsupportedException();
            }

            var c = pattern[_pos++];
            switch (c)
            {
                case 'd' or 'D' or 'w' or 'W' or 's' or 'S':
                    opaque = true;
                    return null;
                case 't':
                    return '\t';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 'f':
                    return '\f';
                case 'v':
                    return '\v';
                default:
                    if (char.IsAsciiLetterOrDigit(c) || c == '_')
                    {
                        throw new UnsupportedException(); // \b (backspace here), \x, \u, \p…: not in uap-core
                    }

                    return c;
            }
        }
    }
}
