using System.Reflection;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LogPipeline.Ingest.UserAgentRules;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Whether the build's precompiled rules (<see cref="PrecompiledRules"/>) may be used in this process, decided without
/// running any of that assembly's code: its native code inlines framework code, so it is valid only on the framework
/// build it was compiled against (docs/decisions/0019-precompiled-user-agent-rules.md). Checked once, from the
/// assembly's PE headers and metadata: native code for this OS and architecture, and the recorded module version ids
/// of the framework assemblies equal to the loaded ones. Any thread may read.
/// </summary>
internal static class PrecompiledRuleSet
{
    private static readonly Lazy<string?> Problem = new(FindProblem);

    public static TimeSpan MatchTimeout { get; } = TimeSpan.FromMilliseconds(PrecompiledRules.MatchTimeoutMilliseconds);

    /// <summary>Null when the precompiled rules can run here; otherwise why not (the rules then run on the runtime's engines).</summary>
    public static string? NotUsableReason => Problem.Value;

    /// <summary>Rules the build generated; 0 when they cannot be used here (nothing of the assembly is run then).</summary>
    public static int Count => NotUsableReason is null ? PrecompiledRules.Count : 0;

    /// <summary>The precompiled regex for a rule, or null when it is not precompiled, has another timeout, or the set cannot be used here.</summary>
    public static Regex? Find(string pattern, RegexOptions options, TimeSpan matchTimeout) =>
        matchTimeout == MatchTimeout && NotUsableReason is null ? PrecompiledRules.Find(pattern, options) : null;

    private static string? FindProblem()
    {
        var assembly = typeof(PrecompiledRules).Assembly;
        var location = assembly.Location;
        if (string.IsNullOrEmpty(location) || !File.Exists(location))
        {
            return "the rules assembly has no file to read its headers from";
        }

        try
        {
            using (var stream = File.OpenRead(location))
            using (var pe = new PEReader(stream))
            {
                var headers = pe.PEHeaders;
                if (headers.CorHeader is not { ManagedNativeHeaderDirectory.Size: > 0 })
                {
                    return "the rules assembly is IL only (built without its ReadyToRun step)";
                }

                // ReadyToRun images record their target as the architecture's machine value XOR an OS value.
                if (Machine(RuntimeInformation.ProcessArchitecture) is not { } architecture
                    || (ushort)(architecture ^ OsMachineXor()) != (ushort)headers.CoffHeader.Machine)
                {
                    return $"the rules assembly's native code is for another platform (machine 0x{(ushort)headers.CoffHeader.Machine:X4}; this process runs {RuntimeInformation.RuntimeIdentifier})";
                }
            }
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return $"the rules assembly's headers could not be read: {e.Message}";
        }

        // Metadata only: CustomAttributeData does not run the attribute's or the assembly's code.
        var recorded = assembly.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(AssemblyMetadataAttribute) && a.ConstructorArguments.Count == 2)
            .Select(a => (Key: a.ConstructorArguments[0].Value as string, Value: a.ConstructorArguments[1].Value as string))
            .Where(a => a.Key?.StartsWith(PrecompiledRules.NativeFrameworkMetadataPrefix, StringComparison.Ordinal) == true)
            .ToList();
        if (recorded.Count == 0)
        {
            return "the rules assembly does not say which framework build its native code was compiled against";
        }

        foreach (var (key, value) in recorded)
        {
            var name = key![PrecompiledRules.NativeFrameworkMetadataPrefix.Length..];
            var loaded = name switch
            {
                "System.Private.CoreLib" => typeof(object).Assembly,
                "System.Text.RegularExpressions" => typeof(Regex).Assembly,
                _ => null,
            };
            if (loaded is null)
            {
                return $"the rules assembly's native code depends on {name}, which this worker does not check";
            }

            var mvid = loaded.ManifestModule.ModuleVersionId;
            if (!Guid.TryParse(value, out var built) || built != mvid)
            {
                return $"the rules assembly's native code was compiled against another build of {name} (module {value}, loaded {mvid:D}, {RuntimeInformation.FrameworkDescription})";
            }
        }

        return null;
    }

    private static ushort? Machine(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 0x8664,
        Architecture.Arm64 => 0xAA64,
        Architecture.X86 => 0x014C,
        Architecture.Arm => 0x01C4,
        _ => null,
    };

    private static ushort OsMachineXor() =>
        OperatingSystem.IsLinux() ? (ushort)0x7B79
        : OperatingSystem.IsMacOS() ? (ushort)0x4644
        : OperatingSystem.IsFreeBSD() ? (ushort)0xADC4
        : (ushort)0;
}
