using LogPipeline.Ingest.Elasticsearch;
using Microsoft.Extensions.Configuration;

namespace LogPipeline.Ingest.Commands;

/// <summary>
/// What every one-shot command (<c>setup</c>, <c>report</c>, <c>check</c>) shares: its own arguments and the sections
/// bound without a host; every error names its key. Kept apart from Setup/ and Reporting/ so neither depends on the other
/// for it (Setup/Dashboards reads Reporting's panel catalogue, one way).
/// </summary>
internal static class CommandConfiguration
{
    /// <summary>
    /// The command's own arguments: without the command name and without configuration overrides
    /// (<c>--Section:Key=value</c> or <c>--Section:Key value</c>), which Program.cs feeds to the configuration.
    /// </summary>
    public static string[] OwnArguments(string[] args, string command)
    {
        var own = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (i == 0 && arg == command)
            {
                continue;
            }

            if (arg.StartsWith('-') && arg.TrimStart('-').Split('=')[0].Contains(':', StringComparison.Ordinal))
            {
                if (!arg.Contains('=', StringComparison.Ordinal))
                {
                    i++; // "--Section:Key value"
                }

                continue;
            }

            own.Add(arg);
        }

        return [.. own];
    }

    public static ElasticsearchOptions Elasticsearch(IConfiguration configuration, List<string> errors)
    {
        var options = Bind(() => configuration.GetSection(ElasticsearchOptions.Section).Get<ElasticsearchOptions>(), errors);
        errors.AddRange(options.Validate());
        return options;
    }

    /// <summary>
    /// Runs one binder call (a concrete <c>Get&lt;T&gt;()</c> at the caller, so the configuration binder's source
    /// generator sees the type): defaults when the section is absent; a value that does not convert is an error naming
    /// its key.
    /// </summary>
    public static T Bind<T>(Func<T?> bind, List<string> errors)
        where T : class, new()
    {
        try
        {
            return bind() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key ("Failed to convert configuration value at 'Kibana:StartupTimeout' ...").
            errors.Add(ex.Message);
            return new T();
        }
    }
}
