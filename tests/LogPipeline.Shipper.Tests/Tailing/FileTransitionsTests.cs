using LogPipeline.Shipper.Tailing;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class FileTransitionsTests
{
    public static TheoryData<string, string, string, string> Table => new()
    {
        // Descriptors the watcher handed over.
        { nameof(FileState.Unclassified), nameof(FileEvent.HeadIncomplete), nameof(FileState.Unclassified), nameof(TransitionActions.None) },
        { nameof(FileState.Unclassified), nameof(FileEvent.CopyOfLive), nameof(FileState.CopyCandidate), nameof(TransitionActions.None) },
        { nameof(FileState.Unclassified), nameof(FileEvent.Known), nameof(FileState.Closed), nameof(TransitionActions.Close) },
        { nameof(FileState.Unclassified), nameof(FileEvent.FoundAtPath), nameof(FileState.Live), nameof(TransitionActions.None) },
        { nameof(FileState.Unclassified), nameof(FileEvent.FoundRenamed), nameof(FileState.Rotated), nameof(TransitionActions.CountRotation) + ", " + nameof(TransitionActions.RestartGrowthClock) },
        { nameof(FileState.Unclassified), nameof(FileEvent.Recovered), nameof(FileState.Rotated), nameof(TransitionActions.None) },
        { nameof(FileState.CopyCandidate), nameof(FileEvent.CopyOfLive), nameof(FileState.Closed), nameof(TransitionActions.Close) },

        // Rotation while unread: the renamed file keeps being read, the idle clock restarts.
        { nameof(FileState.Live), nameof(FileEvent.PathMovedAway), nameof(FileState.Rotated), nameof(TransitionActions.CountRotation) + ", " + nameof(TransitionActions.RestartGrowthClock) },
        { nameof(FileState.Live), nameof(FileEvent.RotatedByShipper), nameof(FileState.Rotated), nameof(TransitionActions.CountRotation) + ", " + nameof(TransitionActions.RestartGrowthClock) },
        { nameof(FileState.Rotated), nameof(FileEvent.PathPointsHere), nameof(FileState.Live), nameof(TransitionActions.None) },
        { nameof(FileState.WriterMovedOn), nameof(FileEvent.PathPointsHere), nameof(FileState.Live), nameof(TransitionActions.None) },

        // Reopen delay: the settle period starts when a newer file gets data.
        { nameof(FileState.Rotated), nameof(FileEvent.NewerFileHasData), nameof(FileState.WriterMovedOn), nameof(TransitionActions.StampWriterMovedOn) },

        // Copytruncate.
        { nameof(FileState.Live), nameof(FileEvent.TruncatedCopyFound), nameof(FileState.FinishingCopy), nameof(TransitionActions.None) },
        { nameof(FileState.Live), nameof(FileEvent.TruncatedNoCopy), nameof(FileState.Released), nameof(TransitionActions.DiscardPartialLine) + ", " + nameof(TransitionActions.Release) },
        // Copytruncate whose copy is no longer at path.1: wait (partial line kept) for the watcher to hand it over.
        { nameof(FileState.Live), nameof(FileEvent.TruncatedCopyPending), nameof(FileState.AwaitingCopy), nameof(TransitionActions.RestartGrowthClock) },
        { nameof(FileState.AwaitingCopy), nameof(FileEvent.CopyOfTruncated), nameof(FileState.FinishingCopy), nameof(TransitionActions.RestartGrowthClock) },
        { nameof(FileState.AwaitingCopy), nameof(FileEvent.NoCopyInTime), nameof(FileState.Released), nameof(TransitionActions.DiscardPartialLine) + ", " + nameof(TransitionActions.Release) },

        // Letting go.
        { nameof(FileState.Rotated), nameof(FileEvent.Done), nameof(FileState.Released), nameof(TransitionActions.FlushPartialLine) + ", " + nameof(TransitionActions.Release) },
        { nameof(FileState.WriterMovedOn), nameof(FileEvent.Done), nameof(FileState.Released), nameof(TransitionActions.FlushPartialLine) + ", " + nameof(TransitionActions.Release) },
        { nameof(FileState.FinishingCopy), nameof(FileEvent.Done), nameof(FileState.Released), nameof(TransitionActions.FlushPartialLine) + ", " + nameof(TransitionActions.Release) },
        { nameof(FileState.Rotated), nameof(FileEvent.BacklogExceeded), nameof(FileState.Released), nameof(TransitionActions.Release) },
        { nameof(FileState.FinishingCopy), nameof(FileEvent.BacklogExceeded), nameof(FileState.Released), nameof(TransitionActions.Release) },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Transition_table(string from, string evt, string to, string actions)
    {
        var (next, done) = FileTransitions.Next(Enum.Parse<FileState>(from), Enum.Parse<FileEvent>(evt));
        Assert.Equal(Enum.Parse<FileState>(to), next);
        Assert.Equal(Enum.Parse<TransitionActions>(actions), done);
    }

    [Theory]
    [InlineData(nameof(FileState.Live), nameof(FileEvent.Done))] // The live file is never let go; only renamed ones are.
    [InlineData(nameof(FileState.Live), nameof(FileEvent.BacklogExceeded))]
    [InlineData(nameof(FileState.WriterMovedOn), nameof(FileEvent.NewerFileHasData))] // The settle period is not restarted by more data.
    [InlineData(nameof(FileState.FinishingCopy), nameof(FileEvent.NewerFileHasData))] // Nobody writes a copy: nothing to wait for.
    [InlineData(nameof(FileState.FinishingCopy), nameof(FileEvent.PathPointsHere))]
    [InlineData(nameof(FileState.Released), nameof(FileEvent.Done))]
    [InlineData(nameof(FileState.Released), nameof(FileEvent.FoundAtPath))]
    [InlineData(nameof(FileState.Rotated), nameof(FileEvent.TruncatedNoCopy))]
    [InlineData(nameof(FileState.AwaitingCopy), nameof(FileEvent.Done))] // Nothing is read from it: "read to its end" never applies.
    [InlineData(nameof(FileState.AwaitingCopy), nameof(FileEvent.BacklogExceeded))] // It holds no unread bytes of its own.
    [InlineData(nameof(FileState.Unclassified), nameof(FileEvent.CopyOfTruncated))] // The descriptor is taken over by the awaiting file.
    public void Pairs_outside_the_table_throw(string from, string evt) =>
        Assert.Throws<InvalidOperationException>(() => FileTransitions.Next(Enum.Parse<FileState>(from), Enum.Parse<FileEvent>(evt)));

    [Fact]
    public void Only_held_renamed_states_count_as_renamed()
    {
        var renamed = Enum.GetValues<FileState>().Where(FileTransitions.IsRenamed).ToArray();
        Assert.Equal([FileState.Rotated, FileState.WriterMovedOn, FileState.FinishingCopy], renamed);
    }
}
