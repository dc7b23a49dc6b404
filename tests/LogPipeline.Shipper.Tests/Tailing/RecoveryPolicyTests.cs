using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class RecoveryPolicyTests
{
    private const long WrittenAt = 1_000_000;

    public static TheoryData<string, int, bool, long?, long, string> Restarts => new()
    {
        { "live file known to the checkpoint", 0, true, WrittenAt, WrittenAt + 5_000, nameof(RecoveryAction.Resume) },
        { "sibling known to the checkpoint", 2, true, WrittenAt, WrittenAt - 5_000, nameof(RecoveryAction.Resume) },
        { "live file unknown (or inode reused): new", 0, false, WrittenAt, WrittenAt - 5_000, nameof(RecoveryAction.LeaveToFirstPass) },
        { "sibling finished and forgotten before the checkpoint", 1, false, WrittenAt, WrittenAt - 5_000, nameof(RecoveryAction.Skip) },
        { "sibling touched within the mtime slack", 1, false, WrittenAt, WrittenAt - RecoveryPolicy.MtimeSlackMs + 1, nameof(RecoveryAction.ReadFromStart) },
        { "sibling born after the checkpoint and rotated before the crash", 1, false, WrittenAt, WrittenAt + 1, nameof(RecoveryAction.ReadFromStart) },
        { "first start, no checkpoint: every sibling is unshipped", 3, false, null, 0, nameof(RecoveryAction.ReadFromStart) },
        { "first start, live file", 0, false, null, 0, nameof(RecoveryAction.LeaveToFirstPass) },
    };

    [Theory]
    [MemberData(nameof(Restarts))]
    public void Restart_from_a_checkpoint(string because, int sibling, bool resumable, long? writtenAt, long mtime, string expected)
    {
        Assert.True(RecoveryPolicy.Decide(sibling, resumable, writtenAt, mtime) == Enum.Parse<RecoveryAction>(expected), because);
    }
}
