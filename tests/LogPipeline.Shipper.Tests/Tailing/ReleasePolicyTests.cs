using LogPipeline.Shipper.Tailing;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class ReleasePolicyTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new();
    private readonly ReleasePolicy _policy;

    public ReleasePolicyTests() => _policy = new ReleasePolicy(_time, Idle);

    private long Now => _time.GetTimestamp();

    [Fact]
    public void Rotated_file_whose_writer_has_not_moved_on_is_held_until_the_idle_fallback()
    {
        var lastGrowth = Now;
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(_policy.ShouldRelease(FileState.Rotated, lastGrowth, 0, 1, Now));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(_policy.ShouldRelease(FileState.Rotated, lastGrowth, 0, 1, Now));
    }

    [Fact]
    public void Reopen_delay_the_settle_period_counts_from_the_writer_moving_on()
    {
        var lastGrowth = Now;
        _time.Advance(TimeSpan.FromSeconds(3));
        var movedOn = Now;
        _time.Advance(ReleasePolicy.Settle - TimeSpan.FromMilliseconds(1));
        Assert.False(_policy.ShouldRelease(FileState.WriterMovedOn, lastGrowth, movedOn, 1, Now));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_policy.ShouldRelease(FileState.WriterMovedOn, lastGrowth, movedOn, 1, Now));
    }

    [Fact]
    public void Reopen_delay_a_worker_still_appending_after_the_move_keeps_the_file_held()
    {
        var movedOn = Now;
        _time.Advance(TimeSpan.FromMilliseconds(800));
        var lateGrowth = Now; // A worker that had not handled SIGUSR1 yet wrote to the renamed file.
        _time.Advance(TimeSpan.FromMilliseconds(800));
        Assert.False(_policy.ShouldRelease(FileState.WriterMovedOn, lateGrowth, movedOn, 1, Now));
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(_policy.ShouldRelease(FileState.WriterMovedOn, lateGrowth, movedOn, 1, Now));
    }

    [Fact]
    public void Copytruncate_copy_is_let_go_once_quiet_for_the_settle_period_without_a_writer_signal()
    {
        var lastGrowth = Now;
        _time.Advance(ReleasePolicy.Settle - TimeSpan.FromMilliseconds(1));
        Assert.False(_policy.ShouldRelease(FileState.FinishingCopy, lastGrowth, 0, 1, Now));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_policy.ShouldRelease(FileState.FinishingCopy, lastGrowth, 0, 1, Now));
    }

    [Fact]
    public void Copytruncate_copy_that_was_quiet_long_before_the_truncation_goes_at_once()
    {
        var lastGrowth = Now;
        _time.Advance(TimeSpan.FromSeconds(10)); // The live file had not grown for a while, then was copied and truncated.
        Assert.True(_policy.ShouldRelease(FileState.FinishingCopy, lastGrowth, 0, 1, Now));
    }

    [Fact]
    public void Copytruncate_a_truncated_file_awaiting_its_copy_is_let_go_after_the_settle_period()
    {
        var truncatedAt = Now;
        _time.Advance(ReleasePolicy.Settle - TimeSpan.FromMilliseconds(1));
        Assert.False(_policy.ShouldRelease(FileState.AwaitingCopy, truncatedAt, 0, 0, Now));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_policy.ShouldRelease(FileState.AwaitingCopy, truncatedAt, 0, 0, Now));
    }

    [Fact]
    public void Too_many_held_renamed_files_skip_the_settle_period_but_not_the_writer_signal()
    {
        var t = Now;
        Assert.False(_policy.ShouldRelease(FileState.WriterMovedOn, t, t, ReleasePolicy.MaxHeldRenamedFiles, t));
        Assert.True(_policy.ShouldRelease(FileState.WriterMovedOn, t, t, ReleasePolicy.MaxHeldRenamedFiles + 1, t));
        Assert.False(_policy.ShouldRelease(FileState.Rotated, t, 0, ReleasePolicy.MaxHeldRenamedFiles + 1, t));
    }
}
