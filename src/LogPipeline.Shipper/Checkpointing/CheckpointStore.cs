using System.Text.Json;
using System.Text.Json.Serialization;
using LogPipeline.Shipper.Native;

namespace LogPipeline.Shipper.Checkpointing;

/// <summary>One file's delivered position.</summary>
internal sealed class CheckpointEntry
{
    /// <summary><c>&lt;dev&gt;:&lt;inode&gt;:&lt;fingerprint&gt;</c>, as in the <c>lp.file</c> header.</summary>
    public string File { get; set; } = string.Empty;

    /// <summary>How many leading bytes the fingerprint covers.</summary>
    public int FingerprintLength { get; set; }

    /// <summary>Every line before this offset was acknowledged by Kafka.</summary>
    public long Offset { get; set; }

    public string Path { get; set; } = string.Empty;
}

internal sealed class CheckpointDocument
{
    public int Version { get; set; } = 1;

    /// <summary>Wall clock of the write; files modified after it and unknown to it are new.</summary>
    public long WrittenAtUnixMs { get; set; }

    public List<CheckpointEntry> Files { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CheckpointDocument))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;

/// <summary>
/// The registry file <c>&lt;StateDirectory&gt;/checkpoints.json</c>, replaced atomically: written to a
/// temporary file, fsynced, renamed over the old one, directory fsynced. A crash leaves the old or the
/// new version, never a torn one. Called from the checkpoint loop and once at shutdown (not concurrently).
/// </summary>
internal sealed class CheckpointStore(string directory)
{
    public const string FileName = "checkpoints.json";

    public string FilePath { get; } = System.IO.Path.Combine(directory, FileName);

    /// <summary>Null when there is no registry yet; throws <see cref="JsonException"/>/<see cref="IOException"/> when unreadable.</summary>
    public CheckpointDocument? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        using var stream = File.OpenRead(FilePath);
        return JsonSerializer.Deserialize(stream, CheckpointJsonContext.Default.CheckpointDocument);
    }

    public void Save(CheckpointDocument document)
    {
        Directory.CreateDirectory(directory);
        var temp = FilePath + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            JsonSerializer.Serialize(stream, document, CheckpointJsonContext.Default.CheckpointDocument);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, FilePath, overwrite: true);
        LibC.FsyncDirectory(directory);
    }
}
