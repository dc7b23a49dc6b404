using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Tests.Tailing;

/// <summary>
/// A file that an external rotator creates and renames over before the shipper opens it is lost; the
/// watcher must count it (shipper_files_missed_total) so the loss is never silent.
/// </summary>
public sealed class InotifyWatcherTests : IDisposable
{
    private readonly string _dir = Path.Combine("/dev/shm", "lp-watch-" + Guid.NewGuid().ToString("N")[..10]);

    public InotifyWatcherTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task Files_created_and_rotated_away_while_the_watcher_is_starved_are_counted_as_missed()
    {
        var path = Path.Combine(_dir, "access.log");
        using var watcher = new InotifyWatcher(path, keep: 1, onEvent: () => { });
        watcher.EnsureWatching(_dir);

        // Starve the reader thread (as a loaded machine would), then rotate twice: the first file is
        // renamed over by the second rotation before anyone could open it.
        watcher.Paused = true;
        await Task.Delay(300, TestContext.Current.CancellationToken); // past any poll already under way
        await File.WriteAllTextAsync(path, "first\n", TestContext.Current.CancellationToken);
        File.Move(path, path + ".1", overwrite: true);
        await File.WriteAllTextAsync(path, "second\n", TestContext.Current.CancellationToken);
        File.Move(path, path + ".1", overwrite: true); // "first" is gone now
        await File.WriteAllTextAsync(path, "third\n", TestContext.Current.CancellationToken);
        watcher.Paused = false;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (watcher.MissedFiles == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, watcher.MissedFiles);
        var opened = new List<string>();
        while (watcher.TryTakeOpened(out var handle))
        {
            using (handle)
            using (var stream = new FileStream(handle, FileAccess.Read))
            using (var reader = new StreamReader(stream))
            {
                opened.Add((await reader.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim());
            }
        }

        Assert.Equal(["second", "third"], opened.Order());
    }

    [Fact]
    public async Task Rotations_the_watcher_keeps_up_with_miss_nothing()
    {
        var path = Path.Combine(_dir, "access.log");
        using var watcher = new InotifyWatcher(path, keep: 1, onEvent: () => { });
        watcher.EnsureWatching(_dir);
        var seen = 0;
        for (var i = 0; i < 20; i++)
        {
            await File.WriteAllTextAsync(path, $"file {i}\n", TestContext.Current.CancellationToken);
            // Wait until the watcher handed this file over before rotating it away.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            Microsoft.Win32.SafeHandles.SafeFileHandle? handle;
            while (!watcher.TryTakeOpened(out handle))
            {
                Assert.True(DateTime.UtcNow < deadline, $"file {i} was never opened");
                await Task.Delay(2, TestContext.Current.CancellationToken);
            }

            handle.Dispose();
            seen++;
            while (watcher.TryTakeOpened(out var extra))
            {
                extra.Dispose();
                seen++;
            }

            File.Move(path, path + ".1", overwrite: true);
        }

        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(0, watcher.MissedFiles);
        Assert.True(seen >= 20, $"opened {seen} files for 20 created");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
