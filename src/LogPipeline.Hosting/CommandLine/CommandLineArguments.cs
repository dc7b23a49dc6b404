using System.Reflection;

namespace LogPipeline.Hosting.CommandLine;

/// <summary>
/// The command line of both workers, split into its parts: <c>[command] [--help|-h] [--version] [own options]
/// [configuration overrides]</c>. A configuration override is any <c>--Section:Key=value</c>,
/// <c>--Section:Key value</c>, <c>--Section__Key=value</c> (the environment's spelling) or <c>/Section:Key=value</c>;
/// overrides go to the configuration, with <c>__</c> read as <c>:</c> (so are the host's <c>--environment</c>,
/// <c>--contentRoot</c>, <c>--applicationName</c>). Everything else is the command's own.
/// </summary>
public sealed class CommandLineArguments
{
    private CommandLineArguments(string? command, bool help, bool version, string[] own, string[] overrides)
    {
        Command = command;
        Help = help;
        Version = version;
        Own = own;
        Overrides = overrides;
    }

    /// <summary>The first argument when it is a word (not an option, not an override), else null.</summary>
    public string? Command { get; }

    public bool Help { get; }

    public bool Version { get; }

    /// <summary>The command's own arguments in order, without the command, help/version flags and overrides.</summary>
    public IReadOnlyList<string> Own { get; }

    /// <summary>Configuration overrides in <c>--Section:Key=value</c> form, ready for <c>AddCommandLine</c>.</summary>
    public string[] Overrides { get; }

    public static CommandLineArguments Parse(IReadOnlyList<string> args)
    {
        string? command = null;
        bool help = false, version = false;
        var own = new List<string>();
        var overrides = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (TryOverride(arg, out var key, out var value))
            {
                if (value is null)
                {
                    // "--Section:Key value": the value is the next argument (as AddCommandLine reads it).
                    value = i + 1 < args.Count ? args[++i] : string.Empty;
                }

                overrides.Add($"--{key}={value}");
                continue;
            }

            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    help = true;
                    break;
                case "--version":
                    version = true;
                    break;
                case "help" when i == 0:
                    help = true;
                    break;
                default:
                    if (i == 0 && !arg.StartsWith('-'))
                    {
                        command = arg;
                    }
                    else
                    {
                        own.Add(arg);
                    }

                    break;
            }
        }

        return new CommandLineArguments(command, help, version, [.. own], [.. overrides]);
    }

    /// <summary>The assembly's informational version (Directory.Build.props <c>Version</c>), without the source-link hash suffix.</summary>
    public static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                            ?? assembly.GetName().Version?.ToString()
                            ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 && informational.Length - plus > 12 ? informational[..(plus + 8)] : informational;
    }

    /// <summary>The host's own top-level keys, which the generic host reads from the command line too.</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase) { "environment", "contentRoot", "applicationName" };

    private static bool TryOverride(string arg, out string key, out string? value)
    {
        key = string.Empty;
        value = null;
        var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..]
            : arg.StartsWith('-') || arg.StartsWith('/') ? arg[1..]
            : null;
        if (body is null)
        {
            return false;
        }

        var eq = body.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? body : body[..eq];
        if (name.Length == 0 || !(name.Contains(':', StringComparison.Ordinal) || name.Contains("__", StringComparison.Ordinal) || HostKeys.Contains(name)))
        {
            return false;
        }

        key = name.Replace("__", ":", StringComparison.Ordinal);
        value = eq < 0 ? null : body[(eq + 1)..];
        return true;
    }
}

/// <summary>Exit codes shared by every command of both binaries (docs/contracts.md).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed (e.g. a <c>check</c> that did not pass).</summary>
    public const int Failure = 1;

    /// <summary>Unknown command or option, or invalid configuration (same code as <see cref="Configuration.HostRunner.ConfigurationError"/>).</summary>
    public const int Usage = 2;
}
