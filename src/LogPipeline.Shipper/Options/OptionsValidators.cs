using LogPipeline.Kafka;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper.Options;

/// <summary>Hand-written (AOT-safe) validation; every message names the full configuration key.</summary>
internal sealed class ShipperOptionsValidator : IValidateOptions<ShipperOptions>
{
    /// <summary>Fingerprints read at most this much; a line must be allowed to be at least that long.</summary>
    internal const int MinLineBytes = 256;

    /// <summary>Kafka's default message.max.bytes is 1,000,000; leave room for key and headers.</summary>
    internal const int MaxAllowedLineBytes = 900_000;

    public ValidateOptionsResult Validate(string? name, ShipperOptions options)
    {
        var errors = new List<string>();
        const string S = ShipperOptions.Section;
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            errors.Add($"{S}:Path is required (the live log file to follow).");
        }
        else if (options.Path.EndsWith('/'))
        {
            errors.Add($"{S}:Path '{options.Path}' must name a file, not a directory.");
        }

        if (string.IsNullOrWhiteSpace(options.StateDirectory))
        {
            errors.Add($"{S}:StateDirectory is required (where checkpoints are kept).");
        }

        if (options.MaxLineBytes is < MinLineBytes or > MaxAllowedLineBytes)
        {
            errors.Add($"{S}:MaxLineBytes {options.MaxLineBytes} must be between {MinLineBytes} and {MaxAllowedLineBytes}.");
        }

        if (options.MaxInFlightBytes < 2L * options.MaxLineBytes || options.MaxInFlightBytes > 1L << 30)
        {
            errors.Add($"{S}:MaxInFlightBytes {options.MaxInFlightBytes} must be at least twice {S}:MaxLineBytes and at most 1 GiB.");
        }

        if (options.MaxBacklogBytes < options.Rotation.MaxBytes || options.MaxBacklogBytes < 64 * 1024)
        {
            errors.Add($"{S}:MaxBacklogBytes {options.MaxBacklogBytes} must be at least 65536 and at least {S}:Rotation:MaxBytes.");
        }

        if (options.ShutdownGracePeriod < TimeSpan.Zero || options.ShutdownGracePeriod > TimeSpan.FromHours(1))
        {
            errors.Add($"{S}:ShutdownGracePeriod {options.ShutdownGracePeriod} must be between 0 and 1 hour.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{S}:PollInterval {options.PollInterval} must be between 10 ms and 1 minute.");
        }

        if (options.CheckpointInterval < TimeSpan.FromMilliseconds(10) || options.CheckpointInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{S}:CheckpointInterval {options.CheckpointInterval} must be between 10 ms and 10 minutes.");
        }

        if (options.RotatedFileIdleRelease < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{S}:RotatedFileIdleRelease {options.RotatedFileIdleRelease} must be at least 1 second.");
        }

        var rotation = options.Rotation;
        if (rotation.MaxBytes < 0)
        {
            errors.Add($"{S}:Rotation:MaxBytes {rotation.MaxBytes} must be 0 (off) or positive.");
        }
        else if (rotation.MaxBytes is > 0 and < 1024)
        {
            errors.Add($"{S}:Rotation:MaxBytes {rotation.MaxBytes} is too small (at least 1024).");
        }

        if (rotation.Keep is < 1 or > 100)
        {
            errors.Add($"{S}:Rotation:Keep {rotation.Keep} must be between 1 and 100.");
        }

        if (rotation.MaxBytes > 0 && string.IsNullOrWhiteSpace(rotation.PidFile))
        {
            errors.Add($"{S}:Rotation:PidFile is required when {S}:Rotation:MaxBytes > 0 (the writer must be told to reopen).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    private static readonly string[] Codecs = ["none", "gzip", "snappy", "lz4", "zstd"];

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var errors = new List<string>();
        const string S = KafkaOptions.Section;
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            errors.Add($"{S}:BootstrapServers is required (host:port[,host:port…]).");
        }

        if (string.IsNullOrWhiteSpace(options.Topic))
        {
            errors.Add($"{S}:Topic is required.");
        }

        if (!Codecs.Contains(options.Compression, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{S}:Compression '{options.Compression}' must be one of {string.Join(", ", Codecs)}.");
        }

        if (options.LingerMs is < 0 or > 1000)
        {
            errors.Add($"{S}:LingerMs {options.LingerMs} must be between 0 and 1000.");
        }

        if (options.BatchSize is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"{S}:BatchSize {options.BatchSize} must be between 1024 and 16777216.");
        }

        if (!string.Equals(options.Partitioning, "spread", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Partitioning, "file", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{S}:Partitioning '{options.Partitioning}' must be spread or file.");
        }

        if (options.MessageTimeoutMs < 0)
        {
            errors.Add($"{S}:MessageTimeoutMs {options.MessageTimeoutMs} must be 0 (never expire) or positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class KafkaSecurityOptionsValidator : IValidateOptions<KafkaSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaSecurityOptions options)
    {
        var errors = options.Validate(KafkaOptions.Section).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
