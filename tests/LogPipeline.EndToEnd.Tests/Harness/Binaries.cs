using LogPipeline.Testing;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>
/// Where the real, built workers are. The test project references both, so building it builds them; we run
/// them from their own output folders (their appsettings.json and deps live there) with <c>dotnet &lt;dll&gt;</c>.
/// </summary>
internal static class Binaries
{
    public static string Shipper => Find("LogPipeline.Shipper", "logpipeline-shipper.dll");

    public static string Ingest => Find("LogPipeline.Ingest", "logpipeline-ingest.dll");

    /// <summary>The repository's data folder (uap-core regexes, GeoIP database) fetched by build/fetch-data.sh.</summary>
    public static string DataDirectory => RepoPaths.Combine("data");

    /// <summary>The configuration this test assembly was built in; the referenced projects were built in the same one.</summary>
    private static string Configuration
    {
        get
        {
            var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var bin = Array.LastIndexOf(parts, "bin");
            return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Debug";
        }
    }

    private static string Find(string project, string dll)
    {
        var own = RepoPaths.Combine("src", project, "bin", Configuration, "net10.0", dll);
        if (File.Exists(own))
        {
            return own;
        }

        // Fall back to the copy the project reference placed beside the tests.
        var beside = Path.Combine(AppContext.BaseDirectory, dll);
        return File.Exists(beside)
            ? beside
            : throw new FileNotFoundException($"{dll} not built: looked at {own} and {beside}");
    }
}
