using LogPipeline.Shipper.Checkpointing;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>
/// Which generated lines the checkpoint registry claims as acknowledged: every line of a file that ends at or before
/// the file's checkpointed offset (the registry's promise: "every line before this offset was acknowledged").
/// For one file that was never rotated, matched by path.
/// </summary>
internal sealed class CheckpointedLines
{
    private CheckpointedLines(long offset, long fileLength, List<long> covered)
    {
        Offset = offset;
        FileLength = fileLength;
        Covered = covered;
    }

    /// <summary>The checkpointed offset of the file.</summary>
    public long Offset { get; }

    public long FileLength { get; }

    /// <summary>Sequence numbers of the lines the checkpoint has passed.</summary>
    public List<long> Covered { get; }

    public static CheckpointedLines Read(string stateDirectory, string logPath)
    {
        var document = new CheckpointStore(stateDirectory).Load() ?? throw new InvalidOperationException("no checkpoint registry written");
        var entry = document.Files.Single(f => f.Path == logPath);
        var bytes = File.ReadAllBytes(logPath);
        var covered = new List<long>();
        var start = 0;
        while (start < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0)
            {
                break;
            }

            if (newline + 1 > entry.Offset)
            {
                break;
            }

            if (GeneratedLog.Seq(bytes.AsSpan(start, newline - start)) is { } seq)
            {
                covered.Add(seq);
            }

            start = newline + 1;
        }

        return new CheckpointedLines(entry.Offset, bytes.Length, covered);
    }
}
