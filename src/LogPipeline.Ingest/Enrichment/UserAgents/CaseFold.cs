namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// The character folding the prefilter applies to rule atoms and user agents alike. It must merge at least every
/// pair of characters that .NET's <c>IgnoreCase | CultureInvariant</c> regex matching treats as equal (a test checks
/// all 65,536 UTF-16 units against the regex engine); merging more only makes the prefilter less selective.
/// </summary>
internal static class CaseFold
{
    public static char Fold(char c)
    {
        if (c < 128)
        {
            return c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
        }

        return c switch
        {
            // Look-alikes that some case tables equate with a letter (KELVIN SIGN, long s, the dotted and dotless
            // i's, OHM and ANGSTROM SIGN): merged defensively whatever this runtime's tables say — a wider merge only
            // lets a few more rules through to their regex.
            '\u212A' => 'k',
            '\u017F' => 's',
            '\u0130' or '\u0131' => 'i',
            '\u2126' => '\u03C9',
            '\u212B' => '\u00E5',
            _ => char.ToLowerInvariant(c),
        };
    }

    public static string Fold(string s) => string.Create(s.Length, s, static (span, source) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = Fold(source[i]);
        }
    });
}
