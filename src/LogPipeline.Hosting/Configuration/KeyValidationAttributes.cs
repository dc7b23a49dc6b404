using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace LogPipeline.Hosting.Configuration;

// Data annotations for options classes whose messages name the full configuration key and the value, as the
// contract wants (docs/contracts.md: "the key is named"). Why not [Range]/[Required]: the [OptionsValidator]
// generator replaces [Range] by its own copy that ignores ErrorMessage ("The field ShipperOptions.MaxLineBytes
// must be…"), [Range(typeof(TimeSpan), …)] needs reflection (not AOT-safe), and built-in results carry the member
// name as a prefix. These return their own result without member names, parse with the invariant culture and use
// no reflection; the generator instantiates them like any ValidationAttribute.

/// <summary>A whole number between two bounds (inclusive).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class KeyRangeAttribute(string key, long minimum, long maximum) : ValidationAttribute
{
    public string Key { get; } = key;

    public long Minimum { get; } = minimum;

    public long Maximum { get; } = maximum;

    /// <summary>Overrides the default "must be between {Minimum} and {Maximum}".</summary>
    public string? Rule { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var number = value switch
        {
            int i => i,
            long l => l,
            _ => (long?)null,
        };
        return number is null || (number >= Minimum && number <= Maximum)
            ? ValidationResult.Success
            : new ValidationResult(string.Create(CultureInfo.InvariantCulture, $"{Key} {number} {Rule ?? $"must be between {Minimum} and {Maximum}"}."));
    }
}

/// <summary>A duration between two bounds (inclusive), written as invariant <see cref="TimeSpan"/> text.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class KeyTimeSpanRangeAttribute(string key, string minimum, string maximum) : ValidationAttribute
{
    public string Key { get; } = key;

    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    /// <summary>Overrides the default "must be between {Minimum} and {Maximum}".</summary>
    public string? Rule { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is not TimeSpan span || (span >= Minimum && span <= Maximum)
            ? ValidationResult.Success
            : new ValidationResult(string.Create(CultureInfo.InvariantCulture, $"{Key} {span} {Rule ?? $"must be between {Minimum} and {Maximum}"}."));
}

/// <summary>A value that is present and, for text, not blank.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class KeyRequiredAttribute(string key) : ValidationAttribute
{
    public string Key { get; } = key;

    /// <summary>What the key is for, appended in parentheses.</summary>
    public string? Purpose { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is null || (value is string text && string.IsNullOrWhiteSpace(text))
            ? new ValidationResult(Purpose is null ? $"{Key} is required." : $"{Key} is required ({Purpose}).")
            : ValidationResult.Success;
}
