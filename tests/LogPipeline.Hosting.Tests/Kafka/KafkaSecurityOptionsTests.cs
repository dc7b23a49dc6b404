using Confluent.Kafka;
using LogPipeline.Kafka;

namespace LogPipeline.Hosting.Tests.Kafka;

public sealed class KafkaSecurityOptionsTests
{
    [Fact]
    public void Plaintext_needs_nothing_else()
    {
        Assert.Empty(new KafkaSecurityOptions().Validate());
    }

    [Fact]
    public void Sasl_without_credentials_names_each_missing_key()
    {
        var errors = new KafkaSecurityOptions { SecurityProtocol = "SaslSsl" }.Validate().ToList();
        Assert.Contains(errors, e => e.StartsWith("Kafka:SaslMechanism", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Kafka:SaslUsername", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Kafka:SaslPassword", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_protocol_is_named()
    {
        var error = Assert.Single(new KafkaSecurityOptions { SecurityProtocol = "tls please" }.Validate());
        Assert.StartsWith("Kafka:SecurityProtocol 'tls please'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Scram_settings_are_applied_and_the_password_file_is_read()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "s3cr3t-from-file\n");
        try
        {
            var options = new KafkaSecurityOptions
            {
                SecurityProtocol = "SaslSsl",
                SaslMechanism = "ScramSha512",
                SaslUsername = "shipper",
                SaslPasswordFile = file,
            };
            Assert.Empty(options.Validate());
            var config = new ProducerConfig();
            options.ApplyTo(config);
            Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
            Assert.Equal(SaslMechanism.ScramSha512, config.SaslMechanism);
            Assert.Equal("shipper", config.SaslUsername);
            Assert.Equal("s3cr3t-from-file", config.SaslPassword);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ToString_never_contains_the_password()
    {
        var options = new KafkaSecurityOptions
        {
            SecurityProtocol = "SaslPlaintext",
            SaslMechanism = "Plain",
            SaslUsername = "u",
            SaslPassword = "hunter2-very-secret",
        };
        var text = options.ToString();
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("SaslPassword=***", text, StringComparison.Ordinal);
    }
}
