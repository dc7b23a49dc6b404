namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// End-of-line damage the text parser repaired (<c>logpipeline.parse.recovered</c>). Only quoted header values at the
/// end of the format (referer, user agent, X-Forwarded-For) are recovered; damage anywhere else fails the line.
/// </summary>
public enum ParseRecovery
{
    None,

    /// <summary>The last quoted value has no closing quote (a missing final quote, or a line cut inside it): kept to the end.</summary>
    UnterminatedQuote,

    /// <summary>The line ends inside an earlier quoted tail value: that value is kept to the end, the later ones are absent.</summary>
    TruncatedLine,
}

public static class ParseRecoveries
{
    /// <summary>Every reason, for counters and docs.</summary>
    public static readonly ParseRecovery[] All = [ParseRecovery.UnterminatedQuote, ParseRecovery.TruncatedLine];

    public static string Keyword(ParseRecovery recovery) => recovery switch
    {
        ParseRecovery.UnterminatedQuote => "unterminated_quote",
        ParseRecovery.TruncatedLine => "truncated_line",
        _ => "none",
    };
}
