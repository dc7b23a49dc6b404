using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace LogPipeline.Kafka;

/// <summary>
/// Kafka transport security shared by the shipper and the worker (bound from the <c>Kafka</c> section).
/// Secrets come from environment variables or mounted files, never from appsettings in an image.
/// </summary>
public sealed class KafkaSecurityOptions
{
    /// <summary>The section both workers bind it from (with their own Kafka settings).</summary>
    public const string Section = "Kafka";

    /// <summary>Plaintext, Ssl, SaslPlaintext or SaslSsl.</summary>
    public string SecurityProtocol { get; set; } = "Plaintext";

    /// <summary>Plain, ScramSha256 or ScramSha512 (with a Sasl* protocol).</summary>
    public string? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    /// <summary>Never logged. Prefer <see cref="SaslPasswordFile"/> with a mounted Secret.</summary>
    public string? SaslPassword { get; set; }

    /// <summary>A file whose content is the SASL password (Kubernetes Secret mount).</summary>
    public string? SaslPasswordFile { get; set; }

    /// <summary>CA bundle (PEM) to verify the brokers' certificates.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>Returns the validation errors, each naming its configuration key.</summary>
    public IEnumerable<string> Validate(string section = "Kafka")
    {
        if (!Enum.TryParse<SecurityProtocol>(SecurityProtocol, ignoreCase: true, out var protocol))
        {
            yield return $"{section}:SecurityProtocol '{SecurityProtocol}' is not one of Plaintext, Ssl, SaslPlaintext, SaslSsl.";
            yield break;
        }

        if (protocol is Confluent.Kafka.SecurityProtocol.SaslPlaintext or Confluent.Kafka.SecurityProtocol.SaslSsl)
        {
            if (!Enum.TryParse<SaslMechanism>(SaslMechanism ?? string.Empty, ignoreCase: true, out var mechanism)
                || mechanism is Confluent.Kafka.SaslMechanism.Gssapi or Confluent.Kafka.SaslMechanism.OAuthBearer)
            {
                yield return $"{section}:SaslMechanism '{SaslMechanism}' must be Plain, ScramSha256 or ScramSha512 with {section}:SecurityProtocol={SecurityProtocol}.";
            }

            if (string.IsNullOrWhiteSpace(SaslUsername))
            {
                yield return $"{section}:SaslUsername is required with {section}:SecurityProtocol={SecurityProtocol}.";
            }

            if (string.IsNullOrEmpty(SaslPassword) && string.IsNullOrEmpty(SaslPasswordFile))
            {
                yield return $"{section}:SaslPassword or {section}:SaslPasswordFile is required with {section}:SecurityProtocol={SecurityProtocol}.";
            }
            else if (!string.IsNullOrEmpty(SaslPasswordFile) && !File.Exists(SaslPasswordFile))
            {
                yield return $"{section}:SaslPasswordFile '{SaslPasswordFile}' does not exist.";
            }
        }

        if (!string.IsNullOrEmpty(SslCaLocation) && !File.Exists(SslCaLocation))
        {
            yield return $"{section}:SslCaLocation '{SslCaLocation}' does not exist.";
        }
    }

    /// <summary>Copies the settings onto a Confluent client configuration.</summary>
    public void ApplyTo(ClientConfig config)
    {
        config.SecurityProtocol = Enum.Parse<SecurityProtocol>(SecurityProtocol, ignoreCase: true);
        if (config.SecurityProtocol is Confluent.Kafka.SecurityProtocol.SaslPlaintext or Confluent.Kafka.SecurityProtocol.SaslSsl)
        {
            config.SaslMechanism = Enum.Parse<SaslMechanism>(SaslMechanism!, ignoreCase: true);
            config.SaslUsername = SaslUsername;
            config.SaslPassword = !string.IsNullOrEmpty(SaslPasswordFile)
                ? File.ReadAllText(SaslPasswordFile).TrimEnd('\r', '\n')
                : SaslPassword;
        }

        if (!string.IsNullOrEmpty(SslCaLocation))
        {
            config.SslCaLocation = SslCaLocation;
        }
    }

    /// <summary>What is safe to log: everything but the password.</summary>
    public override string ToString() =>
        $"SecurityProtocol={SecurityProtocol}, SaslMechanism={SaslMechanism ?? "-"}, SaslUsername={SaslUsername ?? "-"}, SaslPassword={(string.IsNullOrEmpty(SaslPassword) && string.IsNullOrEmpty(SaslPasswordFile) ? "-" : "***")}, SslCaLocation={SslCaLocation ?? "-"}";
}

/// <summary>
/// The <c>Kafka</c> section's security rules for both workers (all cross-field: what is required depends on the
/// protocol), each message naming its key.
/// </summary>
public sealed class KafkaSecurityOptionsRules : IValidateOptions<KafkaSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaSecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
