using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper.Options;

/// <summary>
/// The <c>Shipper</c> section's rules that data annotations cannot say (across keys, or about a value's form);
/// the per-key ranges and required keys are annotations on <see cref="ShipperOptions"/>. Every message names the key.
/// </summary>
internal sealed class ShipperOptionsRules : IValidateOptions<ShipperOptions>
{
    public ValidateOptionsResult Validate(string? name, ShipperOptions options)
    {
        var errors = new List<string>();
        const string S = ShipperOptions.Section;
        if (options.Path?.EndsWith('/') == true)
        {
            errors.Add($"{S}:Path '{options.Path}' must name a file, not a directory.");
        }

        if (options.MaxInFlightBytes < 2L * options.MaxLineBytes || options.MaxInFlightBytes > 1L << 30)
        {
            errors.Add($"{S}:MaxInFlightBytes {options.MaxInFlightBytes} must be at least twice {S}:MaxLineBytes and at most 1 GiB.");
        }

        var rotation = options.Rotation;
        if (options.MaxBacklogBytes < rotation.MaxBytes || options.MaxBacklogBytes < 64 * 1024)
        {
            errors.Add($"{S}:MaxBacklogBytes {options.MaxBacklogBytes} must be at least 65536 and at least {S}:Rotation:MaxBytes.");
        }

        if (rotation.MaxBytes < 0)
        {
            errors.Add($"{S}:Rotation:MaxBytes {rotation.MaxBytes} must be 0 (off) or positive.");
        }
        else if (rotation.MaxBytes is > 0 and < 1024)
        {
            errors.Add($"{S}:Rotation:MaxBytes {rotation.MaxBytes} is too small (at least 1024).");
        }

        if (rotation.MaxBytes > 0 && string.IsNullOrWhiteSpace(rotation.PidFile))
        {
            errors.Add($"{S}:Rotation:PidFile is required when {S}:Rotation:MaxBytes > 0 (the writer must be told to reopen).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The <c>Kafka</c> section's rules beyond the annotations on <see cref="KafkaOptions"/>: the allowed words (any case).</summary>
internal sealed class KafkaOptionsRules : IValidateOptions<KafkaOptions>
{
    private static readonly string[] Codecs = ["none", "gzip", "snappy", "lz4", "zstd"];

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var errors = new List<string>();
        const string S = KafkaOptions.Section;
        if (!Codecs.Contains(options.Compression, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{S}:Compression '{options.Compression}' must be one of {string.Join(", ", Codecs)}.");
        }

        if (!string.Equals(options.Partitioning, "spread", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Partitioning, "file", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{S}:Partitioning '{options.Partitioning}' must be spread or file.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
