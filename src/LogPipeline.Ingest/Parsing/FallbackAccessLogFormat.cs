namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// Tries the configured format, then a second one for lines that do not fit it: while web pods roll from
/// <c>combined</c> to the richer <see cref="AccessLogFormat.LogPipeline"/>, one worker reads both. The second try
/// costs only on lines the first refused. When neither fits, the answer is the first format's (its reason, and what it
/// read of a truncated line).
/// </summary>
internal sealed class FallbackAccessLogFormat(AccessLogFormat primary, AccessLogFormat fallback) : AccessLogFormat
{
    public override IReadOnlyList<LogVariable> Variables => primary.Variables;

    public override string? TryParse(ReadOnlySpan<byte> line, Span<byte> scratch, out AccessLogRecord record)
    {
        var error = primary.TryParse(line, scratch, out record);
        if (error is null)
        {
            return null;
        }

        if (fallback.TryParse(line, scratch, out var fallbackRecord) is null)
        {
            record = fallbackRecord;
            return null;
        }

        // Neither fits. Parsed again because the fallback may have reused the scratch the first record pointed into;
        // only lines that fail both pay for it.
        return primary.TryParse(line, scratch, out record);
    }
}
