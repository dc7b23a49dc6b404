using LogPipeline.Ingest.Elasticsearch;

using EsMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Setup;

/// <summary>
/// Puts the component and index templates: <c>setup</c> on every run (so a new release's mapping reaches the
/// cluster), the worker at start only when the index template is missing (so the first write never creates the
/// data stream from the built-in <c>logs-*-*</c> template, whatever the deployment ordered). One code path for both.
/// </summary>
internal static class IndexTemplateInstaller
{
    /// <summary>Components first: the index template refers to them and Elasticsearch checks that they exist.</summary>
    public static async Task PutAsync(ElasticsearchRawClient es, TemplateNames names, string retention, CancellationToken ct)
    {
        await es.SendAsync(EsMethod.PUT, "/_component_template/" + Uri.EscapeDataString(names.SettingsComponent), IndexTemplates.SettingsComponent(), ct);
        await es.SendAsync(EsMethod.PUT, "/_component_template/" + Uri.EscapeDataString(names.MappingsComponent), IndexTemplates.MappingsComponent(), ct);
        await es.SendAsync(EsMethod.PUT, "/_index_template/" + Uri.EscapeDataString(names.IndexTemplate), IndexTemplates.IndexTemplate(names, retention), ct);
    }

    /// <summary>Puts the templates unless the index template exists; true when it put them.</summary>
    public static async Task<bool> EnsureAsync(ElasticsearchRawClient es, TemplateNames names, string retention, CancellationToken ct)
    {
        var path = "/_index_template/" + Uri.EscapeDataString(names.IndexTemplate);
        var (status, body) = await es.TrySendAsync(EsMethod.GET, path, null, ct);
        if (status == 200)
        {
            return false;
        }

        if (status != 404)
        {
            es.EnsureSuccess(EsMethod.GET, path, status, body);
        }

        await PutAsync(es, names, retention, ct);
        return true;
    }
}
