using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Parsing;

/// <summary>How access-log lines are laid out (section <c>Parsing</c>).</summary>
public sealed class ParsingOptions
{
    public const string Section = "Parsing";

    /// <summary>
    /// <c>combined</c> (nginx's default), <c>json</c> (a JSON object per line, keys named like the nginx
    /// variables or mapped by a JSON template), or an nginx <c>log_format</c> string itself.
    /// </summary>
    public string LogFormat { get; set; } = "combined";
}

/// <summary>Compiles the format once at start so a bad <c>Parsing:LogFormat</c> stops the process.</summary>
public sealed class ParsingOptionsRules : IValidateOptions<ParsingOptions>
{
    public ValidateOptionsResult Validate(string? name, ParsingOptions options)
    {
        return AccessLogFormat.TryCompile(options.LogFormat, out _, out var error)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ParsingOptions.Section}:{nameof(ParsingOptions.LogFormat)} is invalid: {error}");
    }
}
