using System.Buffers;
using System.Buffers.Text;
using System.IO.Hashing;

namespace LogPipeline.Ingest.Enrichment.Visitors;

/// <summary>
/// <c>logpipeline.visitor.id</c>: base64url(XxHash128(client ip '\n' yyyy-MM-dd '\n' user agent)), 22 characters,
/// the date being the request's calendar day in the offset the log line was written in. The same key GoAccess counts
/// unique visitors by (IP + date + user agent), so a cardinality over it equals GoAccess's "visitors". A counting key,
/// not a secret or an integrity check, so a non-cryptographic hash is enough, at a small fraction of SHA-256's cost per
/// event (docs/decisions/0018-visitor-key-hash.md). Pure and thread-safe.
/// </summary>
public static class VisitorKey
{
    /// <summary>Characters of the key: 128 bits in unpadded base64url.</summary>
    public const int Length = 22;
    private const int HashBytes = 16;
    private const int DateLength = 10;

    /// <summary>
    /// Writes the key (ASCII, <see cref="Length"/> bytes) to <paramref name="destination"/>. <paramref name="clientIp"/>
    /// is source.ip as written (canonical text), <paramref name="userAgent"/> the decoded user agent (empty when absent).
    /// </summary>
    public static void Write(ReadOnlySpan<byte> clientIp, DateTimeOffset timestamp, ReadOnlySpan<byte> userAgent, Span<byte> destination)
    {
        var size = InputLength(clientIp, userAgent);
        byte[]? rented = null;
        var input = size <= 1024 ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size)).AsSpan(0, size);
        BuildInput(clientIp, timestamp, userAgent, input);
        Hash(input, destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Bytes <see cref="BuildInput"/> writes.</summary>
    public static int InputLength(ReadOnlySpan<byte> clientIp, ReadOnlySpan<byte> userAgent) => clientIp.Length + 1 + DateLength + 1 + userAgent.Length;

    /// <summary>The hashed input: ip '\n' yyyy-MM-dd '\n' user agent, into <paramref name="input"/> (exactly <see cref="InputLength"/> bytes).</summary>
    public static void BuildInput(ReadOnlySpan<byte> clientIp, DateTimeOffset timestamp, ReadOnlySpan<byte> userAgent, Span<byte> input)
    {
        clientIp.CopyTo(input);
        var at = clientIp.Length;
        input[at++] = (byte)'\n';

        // DateTimeOffset's Year/Month/Day are those of its own offset: the day as the log line wrote it.
        WriteDigits(input.Slice(at, 4), timestamp.Year);
        input[at + 4] = (byte)'-';
        WriteDigits(input.Slice(at + 5, 2), timestamp.Month);
        input[at + 7] = (byte)'-';
        WriteDigits(input.Slice(at + 8, 2), timestamp.Day);
        at += DateLength;
        input[at++] = (byte)'\n';
        userAgent.CopyTo(input[at..]);
    }

    /// <summary>The key of a built input (seed 0; XxHash128's canonical big-endian bytes, base64url without padding).</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[HashBytes];
        XxHash128.Hash(input, hash);
        Base64Url.EncodeToUtf8(hash, destination[..Length]);
    }

    /// <summary>Convenience for tests and tools: the key as a string.</summary>
    public static string Compute(string clientIp, DateTimeOffset timestamp, string userAgent)
    {
        Span<byte> key = stackalloc byte[Length];
        Write(System.Text.Encoding.UTF8.GetBytes(clientIp), timestamp, System.Text.Encoding.UTF8.GetBytes(userAgent), key);
        return System.Text.Encoding.ASCII.GetString(key);
    }

    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
