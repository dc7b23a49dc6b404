using LogPipeline.Testing;

namespace LogPipeline.Bench.Peers;

/// <summary>The peers' config templates (bench/peers/) and their private install prefix (bench/.peers/).</summary>
public static class PeerConfig
{
    public static string TemplatesDirectory => RepoPaths.Combine("bench", "peers");

    public static string PrefixDirectory => RepoPaths.Combine("bench", ".peers");

    /// <summary>What bench/setup-peers.sh recorded for <paramref name="peer"/>: null when ok, else the reason.</summary>
    public static string? SetupProblem(string peer)
    {
        var status = Path.Combine(PrefixDirectory, "status");
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(peer + "=", StringComparison.Ordinal));
        return line is null || line.EndsWith("=ok", StringComparison.Ordinal) ? null : line[(peer.Length + 1)..];
    }

    /// <summary>Fills the @@NAME@@ placeholders of a template and writes it into the run directory.</summary>
    public static string Render(string template, ToolContext context, string fileName)
    {
        var text = File.ReadAllText(Path.Combine(TemplatesDirectory, template))
            .Replace("@@LOGDIR@@", Path.GetDirectoryName(context.LogPath), StringComparison.Ordinal)
            .Replace("@@LOGNAME@@", Path.GetFileName(context.LogPath), StringComparison.Ordinal)
            .Replace("@@LOG@@", context.LogPath, StringComparison.Ordinal)
            .Replace("@@STATE@@", context.StateDirectory, StringComparison.Ordinal)
            .Replace("@@BOOTSTRAP@@", context.BootstrapServers, StringComparison.Ordinal)
            .Replace("@@TOPIC@@", context.Topic, StringComparison.Ordinal);
        var path = Path.Combine(context.RunDirectory, fileName);
        File.WriteAllText(path, text);
        return path;
    }
}
