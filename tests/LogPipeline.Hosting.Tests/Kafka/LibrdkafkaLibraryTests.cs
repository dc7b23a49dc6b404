using System.Runtime.InteropServices;
using System.Xml.Linq;
using LogPipeline.Kafka.Native;

namespace LogPipeline.Hosting.Tests.Kafka;

/// <summary>The shared librdkafka loader: where it looks, what it refuses, and that its resolver binds imports.</summary>
public sealed partial class LibrdkafkaLibraryTests
{
    [Fact]
    public void On_glibc_x64_the_centos8_build_beside_the_binary_comes_first_and_the_default_build_is_a_fallback()
    {
        var candidates = LibrdkafkaLibrary.Candidates("/app", Architecture.X64, musl: false).ToList();

        Assert.Equal(
            ["/app/centos8-librdkafka.so", "/app/librdkafka.so",
             "/app/runtimes/linux-x64/native/centos8-librdkafka.so", "/app/runtimes/linux-x64/native/librdkafka.so"],
            candidates);
    }

    [Fact]
    public void On_musl_the_alpine_build_comes_first_and_arm64_looks_under_its_own_runtime_folder()
    {
        var candidates = LibrdkafkaLibrary.Candidates("/app", Architecture.Arm64, musl: true).ToList();

        Assert.Equal("/app/alpine-librdkafka.so", candidates[0]);
        Assert.Contains("/app/runtimes/linux-arm64/native/alpine-librdkafka.so", candidates);
        Assert.DoesNotContain(candidates, c => c.Contains("linux-x64", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0x021000ff, "2.16.0")]
    [InlineData(0x020a0103, "2.10.1")] // a pre-release id: dropped
    [InlineData(0x010902ff, "1.9.2")]
    public void The_hex_version_reads_as_major_minor_revision(int hex, string expected)
    {
        Assert.Equal(Version.Parse(expected), LibrdkafkaLibrary.ParseVersion(hex));
    }

    [Fact]
    public void A_version_below_the_minimum_is_refused_naming_the_version_the_file_and_the_minimum()
    {
        var problem = LibrdkafkaLibrary.VersionProblem(new Version(1, 9, 2), "/app/centos8-librdkafka.so");

        Assert.NotNull(problem);
        Assert.Contains("1.9.2", problem, StringComparison.Ordinal);
        Assert.Contains("/app/centos8-librdkafka.so", problem, StringComparison.Ordinal);
        Assert.Contains(LibrdkafkaLibrary.MinimumVersion.ToString(), problem, StringComparison.Ordinal);
        Assert.Null(LibrdkafkaLibrary.VersionProblem(LibrdkafkaLibrary.MinimumVersion, "x"));
        Assert.Null(LibrdkafkaLibrary.VersionProblem(new Version(2, 16, 0), "x"));
    }

    [Fact]
    public void A_library_that_is_not_librdkafka_and_a_missing_file_are_both_reported()
    {
        var notKafka = Path.Combine(RuntimeEnvironment(), "libz.so.1");
        Assert.True(File.Exists(notKafka), notKafka);

        var ex = Assert.Throws<LibrdkafkaUnavailableException>(
            () => LibrdkafkaLibrary.Open(["/nonexistent/librdkafka.so", notKafka], out _, out _));

        Assert.Contains($"{notKafka}: no rd_kafka_version export", ex.Message, StringComparison.Ordinal);
        var none = Assert.Throws<LibrdkafkaUnavailableException>(() => LibrdkafkaLibrary.Open(["/nonexistent/librdkafka.so"], out _, out _));
        Assert.Contains("no candidate file exists", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_process_loads_the_pinned_librdkafka_redist_and_the_resolver_binds_imports_to_it()
    {
        LibrdkafkaLibrary.UseFor(typeof(LibrdkafkaLibraryTests).Assembly);
        LibrdkafkaLibrary.UseFor(typeof(LibrdkafkaLibraryTests).Assembly); // idempotent

        // The Debian build machine cannot load the default build (no libsasl2.so.3): the centos8 one is in use.
        Assert.EndsWith("centos8-librdkafka.so", LibrdkafkaLibrary.LoadedPath, StringComparison.Ordinal);
        Assert.Equal(PinnedRedistVersion(), LibrdkafkaLibrary.Version);
        // An import of this assembly, named only "librdkafka", reached the same library through the resolver.
        Assert.Equal(LibrdkafkaLibrary.Version, LibrdkafkaLibrary.ParseVersion(RdKafkaVersion()));
    }

    [LibraryImport(LibrdkafkaLibrary.Name, EntryPoint = "rd_kafka_version")]
    private static partial int RdKafkaVersion();

    private static string RuntimeEnvironment() =>
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "/lib/aarch64-linux-gnu" : "/lib/x86_64-linux-gnu";

    private static Version PinnedRedistVersion()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var pinned = XDocument.Load(Path.Combine(dir.FullName, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "librdkafka.redist");
        return Version.Parse((string)pinned.Attribute("Version")!);
    }
}
