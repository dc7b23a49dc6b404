using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;

namespace LogPipeline.Ingest.Elasticsearch;

/// <summary>
/// Builds the official client from <see cref="ElasticsearchOptions"/> (URL, API key or basic auth, custom CA).
/// Shared by the worker, <c>setup</c> and <c>report</c> so all three reach the cluster the same way.
/// </summary>
public static class ElasticsearchClientFactory
{
    /// <summary>
    /// Creates a client. <paramref name="configure"/> may adjust settings further (the worker turns off the
    /// transport's own retries because it retries with its own backoff).
    /// </summary>
    public static ElasticsearchClient Create(ElasticsearchOptions options, Action<ElasticsearchClientSettings>? configure = null)
    {
        var settings = CreateSettings(options);
        configure?.Invoke(settings);
        return new ElasticsearchClient(settings);
    }

    public static ElasticsearchClientSettings CreateSettings(ElasticsearchOptions options)
    {
        var url = options.Url ?? throw new InvalidOperationException("Elasticsearch:Url is required.");
        var settings = new ElasticsearchClientSettings(url);
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            settings.Authentication(new ApiKey(options.ApiKey));
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            settings.Authentication(new BasicAuthentication(options.Username, options.Password ?? string.Empty));
        }

        if (!string.IsNullOrEmpty(options.CaCertificatePath))
        {
            var ca = LoadCertificates(options.CaCertificatePath);
            settings.ServerCertificateValidationCallback((_, certificate, _, errors) => IsTrusted(certificate, errors, ca));
        }

        return settings;
    }

    /// <summary>Reads a PEM bundle (or a single DER certificate).</summary>
    internal static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        var text = File.ReadAllText(path);
        if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            collection.ImportFromPem(text);
        }
        else
        {
            collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        if (collection.Count == 0)
        {
            throw new InvalidOperationException($"Elasticsearch:CaCertificatePath '{path}' holds no certificate.");
        }

        return collection;
    }

    // The cluster's CA is usually private: trust it as the only root for this connection instead of
    // installing it system-wide, and keep host-name checking (only chain errors are re-evaluated).
    private static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection ca)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        if (certificate is X509Certificate2 leaf)
        {
            return chain.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    }
}
