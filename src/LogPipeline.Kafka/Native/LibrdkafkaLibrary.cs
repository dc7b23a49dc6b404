using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace LogPipeline.Kafka.Native;

/// <summary>
/// The one place that finds and loads librdkafka. Assemblies that bind to it with <c>[LibraryImport(Name)]</c>
/// (the shipper's producer, the tests' mock cluster) call <see cref="UseFor"/> before their first call; the
/// resolver then hands every such import the same handle, loaded once per process from the build that works on
/// this system (<see cref="Candidates"/>), after checking <c>rd_kafka_version()</c> against
/// <see cref="MinimumVersion"/>. Thread-safe: the load runs once under a lock; afterwards everything is immutable.
/// </summary>
public static class LibrdkafkaLibrary
{
    /// <summary>The library name every <c>LibraryImport</c> of librdkafka uses; only the resolver gives it meaning.</summary>
    public const string Name = "librdkafka";

    /// <summary>
    /// The oldest librdkafka the binding accepts: the 2.x line whose rdkafka.h the declared layouts
    /// (<c>rd_kafka_message_t</c>, <c>rd_kafka_metadata_t</c>, <c>rd_kafka_vu_t</c>) and entry points were checked
    /// against. The pinned build (Directory.Packages.props) is the one tested.
    /// </summary>
    public static readonly Version MinimumVersion = new(2, 0, 0);

    private static readonly Lock Gate = new();
    private static readonly HashSet<Assembly> Resolved = [];
    private static Loaded? s_loaded;

    /// <summary>The file the process loaded (empty before the first load).</summary>
    public static string LoadedPath => s_loaded?.Path ?? string.Empty;

    /// <summary>
    /// Makes <paramref name="assembly"/>'s <c>[LibraryImport(Name)]</c> declarations resolve to the shared handle
    /// and loads the library now, so a missing or too old build is reported here and not at some later call.
    /// Idempotent.
    /// </summary>
    /// <exception cref="LibrdkafkaUnavailableException">No candidate loads, or the loaded one is too old.</exception>
    public static void UseFor(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        lock (Gate)
        {
            _ = Load();
            if (Resolved.Add(assembly))
            {
                NativeLibrary.SetDllImportResolver(assembly, Resolve);
            }
        }
    }

    /// <summary>The loaded library's version (<c>rd_kafka_version()</c>); loads it if needed.</summary>
    public static Version Version
    {
        get
        {
            lock (Gate)
            {
                return Load().Version;
            }
        }
    }

    /// <summary>
    /// Where to look, in order. Confluent's package ships one build per platform: on glibc x64 the centos8 build
    /// comes first (the default build wants libsasl2.so.3, which Debian and Ubuntu do not have, and trying it
    /// first costs ~90 ms at every start); on musl (Alpine) the alpine build. A published binary has them
    /// beside it; tests and <c>dotnet run</c> under <c>runtimes/&lt;rid&gt;/native</c>.
    /// </summary>
    public static IEnumerable<string> Candidates(string baseDirectory, Architecture architecture, bool musl)
    {
        var rid = architecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (var dir in new[] { baseDirectory, Path.Combine(baseDirectory, "runtimes", rid, "native") })
        {
            if (musl)
            {
                yield return Path.Combine(dir, "alpine-librdkafka.so");
            }

            yield return Path.Combine(dir, "centos8-librdkafka.so");
            yield return Path.Combine(dir, "librdkafka.so");
        }
    }

    /// <summary>
    /// <c>rd_kafka_version()</c>'s hex form (0xMMmmrrpp: major, minor, revision, pre-release id where 0xff is a
    /// final release) as a version; the pre-release byte is dropped.
    /// </summary>
    public static Version ParseVersion(int hex) =>
        new((hex >> 24) & 0xff, (hex >> 16) & 0xff, (hex >> 8) & 0xff);

    /// <summary>Null when <paramref name="loaded"/> is acceptable, else the message that refuses it.</summary>
    public static string? VersionProblem(Version loaded, string path)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        return loaded >= MinimumVersion
            ? null
            : string.Create(
                CultureInfo.InvariantCulture,
                $"librdkafka {loaded} at {path} is older than the minimum {MinimumVersion} this build supports; install the librdkafka.redist build it was published with");
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Name)
        {
            return IntPtr.Zero; // the runtime's own search
        }

        lock (Gate)
        {
            return Load().Handle;
        }
    }

    // Caller holds Gate.
    private static Loaded Load()
    {
        if (s_loaded is not null)
        {
            return s_loaded;
        }

        var musl = Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        var handle = Open(Candidates(AppContext.BaseDirectory, RuntimeInformation.ProcessArchitecture, musl), out var path, out var version);
        s_loaded = new Loaded(handle, path, version);
        return s_loaded;
    }

    /// <summary>
    /// Loads the first candidate that exists, loads and exports <c>rd_kafka_version</c>, and checks that version.
    /// Not cached: <see cref="UseFor"/> is the process-wide entry point.
    /// </summary>
    /// <exception cref="LibrdkafkaUnavailableException">No candidate loads, or the first that does is too old.</exception>
    internal static IntPtr Open(IEnumerable<string> candidates, out string path, out Version version)
    {
        var failures = new List<string>();
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate))
            {
                continue;
            }

            IntPtr handle;
            try
            {
                handle = NativeLibrary.Load(candidate);
            }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
            {
                failures.Add($"{candidate}: {ex.Message}"); // e.g. the default build without libsasl2.so.3
                continue;
            }

            if (!NativeLibrary.TryGetExport(handle, "rd_kafka_version", out var versionExport))
            {
                failures.Add($"{candidate}: no rd_kafka_version export (not librdkafka)");
                NativeLibrary.Free(handle);
                continue;
            }

            int hex;
            unsafe
            {
                hex = ((delegate* unmanaged<int>)versionExport)();
            }

            version = ParseVersion(hex);
            if (VersionProblem(version, candidate) is { } problem)
            {
                NativeLibrary.Free(handle);
                throw new LibrdkafkaUnavailableException(problem);
            }

            path = candidate;
            return handle;
        }

        throw new LibrdkafkaUnavailableException(
            "librdkafka could not be loaded from beside the binary (" + AppContext.BaseDirectory + "). Tried: " +
            (failures.Count == 0 ? "no candidate file exists" : string.Join("; ", failures)));
    }

    private sealed record Loaded(IntPtr Handle, string Path, Version Version);
}

/// <summary>librdkafka is missing, does not load, or is older than <see cref="LibrdkafkaLibrary.MinimumVersion"/>.</summary>
public sealed class LibrdkafkaUnavailableException : Exception
{
    public LibrdkafkaUnavailableException()
    {
    }

    public LibrdkafkaUnavailableException(string message)
        : base(message)
    {
    }

    public LibrdkafkaUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
