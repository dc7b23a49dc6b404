using System.Text;
using LogPipeline.Contracts;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Lines;

/// <summary>
/// Which file a line came from: device + inode (cheap, but inodes are reused after delete) plus a content
/// fingerprint (tells a reused inode or a copytruncated restart apart). Rendered as
/// <c>&lt;dev&gt;:&lt;inode&gt;:&lt;fingerprint-hex&gt;</c> (<see cref="FileIdentityText"/>) for the <c>lp.file</c> header and the Kafka key.
/// </summary>
internal sealed class FileIdentity(ulong device, ulong inode, int fingerprintLength, string fingerprint) : IEquatable<FileIdentity>
{
    /// <summary>The fingerprint covers the first line, capped at this many bytes.</summary>
    public const int MaxFingerprintBytes = 256;

    private byte[]? _bytes;

    public ulong Device { get; } = device;

    public ulong Inode { get; } = inode;

    /// <summary>How many leading bytes the fingerprint covers (kept in checkpoints to re-check a file).</summary>
    public int FingerprintLength { get; } = fingerprintLength;

    public string Fingerprint { get; } = fingerprint;

    public bool Equals(FileIdentity? other) =>
        other is not null && other.Device == Device && other.Inode == Inode && other.Fingerprint == Fingerprint;

    public override bool Equals(object? obj) => Equals(obj as FileIdentity);

    /// <summary>Same leading content (a copy of the file, wherever it lives).</summary>
    public bool SameContent(FileIdentity other) =>
        other.FingerprintLength == FingerprintLength && other.Fingerprint == Fingerprint;

    public override int GetHashCode() => HashCode.Combine(Device, Inode, Fingerprint);

    public override string ToString() => FileIdentityText.Format(Device, Inode, Fingerprint);

    /// <summary>UTF-8 of <see cref="ToString"/>, shared by every message of the file (key and header).</summary>
    public byte[] Utf8 => _bytes ??= Encoding.UTF8.GetBytes(ToString());

    /// <summary>
    /// How many leading bytes identify a file: through the first newline, or <see cref="MaxFingerprintBytes"/>
    /// when no newline comes that early. Null while the file holds neither (nothing is shipped from it yet).
    /// Because log files are append-only, the answer never changes once known — for files of any size.
    /// </summary>
    public static int? MeasureFingerprint(ReadOnlySpan<byte> head)
    {
        var newline = head[..Math.Min(head.Length, MaxFingerprintBytes)].IndexOf((byte)'\n');
        return newline >= 0 ? newline + 1 : head.Length >= MaxFingerprintBytes ? MaxFingerprintBytes : null;
    }

    public static string Hash(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[Sha256.HashSize];
        Sha256.HashData(content, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }

    /// <summary>Reads the head of an open file; null when it cannot identify it yet.</summary>
    public static FileIdentity? TryCompute(SafeFileHandle handle, ulong device, ulong inode, bool allowShort = false)
    {
        Span<byte> head = stackalloc byte[MaxFingerprintBytes];
        var read = ReadHead(handle, head);
        return TryCompute(head[..read], device, inode, allowShort);
    }

    /// <summary>From bytes already read from the start of the file; null when they cannot identify it yet.</summary>
    public static FileIdentity? TryCompute(ReadOnlySpan<byte> head, ulong device, ulong inode, bool allowShort = false)
    {
        head = head[..Math.Min(head.Length, MaxFingerprintBytes)];
        var length = MeasureFingerprint(head) ?? (allowShort && head.Length > 0 ? head.Length : null);
        return length is { } n ? new FileIdentity(device, inode, n, Hash(head[..n])) : null;
    }

    /// <summary>True when the open file starts with <paramref name="expected"/> (at most <see cref="MaxFingerprintBytes"/> compared).</summary>
    public static bool StartsWith(SafeFileHandle handle, ReadOnlySpan<byte> expected)
    {
        expected = expected[..Math.Min(expected.Length, MaxFingerprintBytes)];
        Span<byte> head = stackalloc byte[MaxFingerprintBytes];
        var read = ReadHead(handle, head[..expected.Length]);
        return head[..read].SequenceEqual(expected);
    }

    /// <summary>True when the open file still starts with the content this identity was computed from.</summary>
    public bool Matches(SafeFileHandle handle)
    {
        Span<byte> head = stackalloc byte[MaxFingerprintBytes];
        var read = ReadHead(handle, head[..FingerprintLength]);
        return read == FingerprintLength && Hash(head[..read]) == Fingerprint;
    }

    public static bool TryParse(string text, out ulong device, out ulong inode, out string fingerprint) =>
        FileIdentityText.TryParse(text, out device, out inode, out fingerprint);

    private static int ReadHead(SafeFileHandle handle, Span<byte> head)
    {
        var total = 0;
        while (total < head.Length)
        {
            var n = RandomAccess.Read(handle, head[total..], total);
            if (n <= 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
