namespace LogPipeline.Ingest.Enrichment;

/// <summary>
/// Constant parts of every document. The data_stream.* values must equal the parts of the data stream the
/// document is written to (Elasticsearch maps them as constant_keyword), so they come from
/// <c>Elasticsearch:DataStream</c>.
/// </summary>
public sealed record DocumentDefaults(string DataStreamType, string DataStreamDataset, string DataStreamNamespace)
{
    public const string EcsVersion = "8.17.0";

    public static DocumentDefaults Default { get; } = new("logs", "nginx.access", "default");

    /// <summary><c>logs-nginx.access-default</c> → (logs, nginx.access, default); the dataset itself has no '-'.</summary>
    public static DocumentDefaults FromDataStream(string? dataStream)
    {
        if (string.IsNullOrWhiteSpace(dataStream))
        {
            return Default;
        }

        var first = dataStream.IndexOf('-', StringComparison.Ordinal);
        var last = dataStream.LastIndexOf('-');
        return first > 0 && last > first + 1 && last < dataStream.Length - 1
            ? new DocumentDefaults(dataStream[..first], dataStream[(first + 1)..last], dataStream[(last + 1)..])
            : Default;
    }
}
