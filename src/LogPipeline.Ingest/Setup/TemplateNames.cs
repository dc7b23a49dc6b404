using LogPipeline.Ingest.Elasticsearch;


namespace LogPipeline.Ingest.Setup;

/// <summary>
/// The template names derived from the data stream <c>&lt;type&gt;-&lt;dataset&gt;-&lt;namespace&gt;</c>
/// (<c>Elasticsearch:DataStream</c>): index template <c>&lt;type&gt;-&lt;dataset&gt;</c> for the pattern
/// <c>&lt;type&gt;-&lt;dataset&gt;-*</c> (every namespace of the dataset), and its two component templates
/// <c>@settings</c> and <c>@mappings</c> — the naming Elastic's own integrations use, under a dataset of our own.
/// </summary>
public sealed record TemplateNames(string IndexTemplate, string SettingsComponent, string MappingsComponent, string Pattern)
{
    /// <summary>For the default data stream <c>logs-logpipeline.nginx-default</c>.</summary>
    public static TemplateNames Default { get; } = For(ElasticsearchOptions.DefaultDataStream);

    /// <summary>The names for <paramref name="dataStream"/> (validated by <see cref="ElasticsearchOptions"/>: it has a namespace).</summary>
    public static TemplateNames For(string dataStream)
    {
        var prefix = dataStream[..dataStream.LastIndexOf('-')];
        return new TemplateNames(prefix, prefix + "@settings", prefix + "@mappings", prefix + "-*");
    }
}
