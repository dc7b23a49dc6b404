using System.Globalization;
using System.Text.RegularExpressions;

namespace LogPipeline.Deploy.Tests.Support;

internal static partial class NginxConf
{
    /// <summary>nginx's <c>worker_shutdown_timeout</c> in seconds; throws when the config sets none (the graceful stop is then unbounded).</summary>
    public static int WorkerShutdownTimeoutSeconds(string conf)
    {
        var m = WorkerShutdownTimeout().Match(conf);
        return m.Success
            ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("nginx.conf sets no worker_shutdown_timeout (in seconds): nginx's graceful stop has no bound");
    }

    [GeneratedRegex(@"^\s*worker_shutdown_timeout\s+(\d+)s;", RegexOptions.Multiline)]
    private static partial Regex WorkerShutdownTimeout();
}
