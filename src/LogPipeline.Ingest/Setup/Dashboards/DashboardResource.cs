namespace LogPipeline.Ingest.Setup.Dashboards;

/// <summary>The dashboards NDJSON embedded in the assembly (from <c>dashboards/*.ndjson</c>), so images need no extra files.</summary>
public static class DashboardResource
{
    public static string ResourceName => "dashboards/" + DashboardGenerator.FileName;

    public static byte[] Load()
    {
        using var stream = typeof(DashboardResource).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing; the project must embed ../../dashboards/*.ndjson.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
