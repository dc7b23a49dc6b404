namespace LogPipeline.Contracts;

/// <summary>
/// The Kafka header names of a shipped line and of a dead letter (docs/contracts.md, "Kafka message").
/// The shipper writes the UTF-8 forms (no allocation per line); the ingest worker matches the strings.
/// </summary>
public static class HeaderNames
{
    /// <summary>Pod or host name; part of the document <c>_id</c>.</summary>
    public const string Source = "lp.source";

    /// <summary>File identity <c>&lt;dev&gt;:&lt;inode&gt;:&lt;fingerprint-hex&gt;</c> (<see cref="FileIdentityText"/>).</summary>
    public const string File = "lp.file";

    /// <summary>Byte offset of the line's first byte in that file, decimal.</summary>
    public const string Offset = "lp.offset";

    /// <summary><c>1</c> when the line was cut to <c>Shipper:MaxLineBytes</c>; absent otherwise.</summary>
    public const string Truncated = "lp.truncated";

    /// <summary>Where the line was written (namespace, pod, node, container, labels): <see cref="SourceMetadata"/>.</summary>
    public const string Metadata = "lp.meta";

    /// <summary>Dead letters: why the line could not be indexed.</summary>
    public const string Error = "lp.error";

    /// <summary>Dead letters: <c>parse</c> or <c>index</c>.</summary>
    public const string Stage = "lp.stage";

    public static ReadOnlySpan<byte> SourceUtf8 => "lp.source"u8;

    public static ReadOnlySpan<byte> FileUtf8 => "lp.file"u8;

    public static ReadOnlySpan<byte> OffsetUtf8 => "lp.offset"u8;

    public static ReadOnlySpan<byte> TruncatedUtf8 => "lp.truncated"u8;

    public static ReadOnlySpan<byte> MetadataUtf8 => "lp.meta"u8;
}
