using LogPipeline.Hosting.Metrics;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Options;
using LogPipeline.Shipper.Tailing;
using LogPipeline.Shipper.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class BuiltInRotatorTests
{
    [Theory]
    [InlineData(9, 10, false, 100, nameof(RotationDecision.NotDue))]
    [InlineData(10, 10, false, 100, nameof(RotationDecision.Rotate))]
    [InlineData(10, 10, true, 100, nameof(RotationDecision.Defer))] // The file it would overwrite is not delivered yet.
    [InlineData(99, 10, true, 100, nameof(RotationDecision.Defer))]
    [InlineData(100, 10, true, 100, nameof(RotationDecision.Rotate))] // Past the backlog limit the deferral ends.
    public void Decide(long liveSize, long maxBytes, bool victimUndelivered, long maxBacklog, string expected) =>
        Assert.Equal(Enum.Parse<RotationDecision>(expected), BuiltInRotator.Decide(liveSize, maxBytes, victimUndelivered, maxBacklog));

    [Theory]
    [InlineData("/l/a.log", "/l/a.log")] // The live path is renamed by the caller (to path.1), not shifted.
    [InlineData("/l/a.log.1", "/l/a.log.2")]
    [InlineData("/l/a.log.2", "/l/a.log.3")]
    [InlineData("/l/a.log.3", "/l/a.log.3.deleted")] // Overwritten by the rename of path.2.
    [InlineData("/l/other.log", "/l/other.log")]
    public void Shifted_path(string before, string after)
    {
        var rotator = new BuiltInRotator("/l/a.log", new RotationOptions { MaxBytes = 1, Keep = 3 }, Metrics(), NullLogger.Instance);
        Assert.Equal(after, rotator.ShiftedPath(before));
    }

    [Fact]
    public void Rotate_renames_the_chain_and_counts_a_writer_it_could_not_signal()
    {
        using var dir = new TempDir();
        var path = dir.Combine("a.log");
        var pidFile = dir.Combine("nginx.pid");
        File.WriteAllText(pidFile, "not-a-pid");
        var metrics = Metrics();
        var rotator = new BuiltInRotator(path, new RotationOptions { MaxBytes = 1, Keep = 2, PidFile = pidFile }, metrics, NullLogger.Instance);

        File.WriteAllText(path, "first\n");
        Assert.True(rotator.Rotate(6));
        File.WriteAllText(path, "second\n");
        Assert.True(rotator.Rotate(7));
        File.WriteAllText(path, "third\n");
        Assert.True(rotator.Rotate(6));

        Assert.False(File.Exists(path));
        Assert.Equal("third\n", File.ReadAllText(rotator.Sibling(1)));
        Assert.Equal("second\n", File.ReadAllText(rotator.Sibling(2)));
        Assert.Equal(rotator.Sibling(2), rotator.OldestKeptPath);
        Assert.Equal(3, metrics.RotationsPerformed.Value);
        Assert.Equal(3, metrics.RotationSignalErrors.Value);
    }

    [Fact]
    public void Rotate_fails_without_a_live_file_and_says_so()
    {
        using var dir = new TempDir();
        var metrics = Metrics();
        var rotator = new BuiltInRotator(dir.Combine("a.log"), new RotationOptions { MaxBytes = 1, Keep = 1, PidFile = dir.Combine("p") }, metrics, NullLogger.Instance);
        Assert.False(rotator.Rotate(0));
        Assert.Equal(0, metrics.RotationsPerformed.Value);
    }

    private static ShipperMetrics Metrics() => new(new MetricsRegistry());
}
