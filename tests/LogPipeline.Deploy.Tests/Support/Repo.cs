using LogPipeline.Testing;

namespace LogPipeline.Deploy.Tests.Support;

/// <summary>Paths inside the repository (found by walking up to LogPipeline.sln).</summary>
internal static class Repo
{
    public static string Root => RepoPaths.Root;

    public static string PathOf(string relative) =>
        Path.Combine([Root, .. relative.Split('/', StringSplitOptions.RemoveEmptyEntries)]);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));
}
