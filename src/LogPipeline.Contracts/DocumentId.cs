using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace LogPipeline.Contracts;

/// <summary>
/// The document <c>_id</c> from the line's source position (docs/contracts.md):
/// base64url(SHA-256(source '\n' file '\n' offset))[..22], so a line re-sent by the shipper or re-consumed
/// by the worker is created once and answered 409 afterwards. 22 characters keep 132 bits of the hash.
/// </summary>
public static class DocumentId
{
    public const int Length = 22;

    /// <summary>Writes the id (ASCII) for a line with source headers; inputs are the raw header bytes.</summary>
    public static void FromSource(ReadOnlySpan<byte> source, ReadOnlySpan<byte> file, ReadOnlySpan<byte> offset, Span<byte> destination)
    {
        var size = source.Length + file.Length + offset.Length + 2;
        byte[]? rented = null;
        var input = size <= 512 ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size)).AsSpan(0, size);
        source.CopyTo(input);
        input[source.Length] = (byte)'\n';
        file.CopyTo(input[(source.Length + 1)..]);
        input[source.Length + 1 + file.Length] = (byte)'\n';
        offset.CopyTo(input[(source.Length + file.Length + 2)..]);
        Encode(input, destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes the id for a message without source headers: the Kafka record's own position.</summary>
    public static void FromKafkaPosition(string topic, int partition, long offset, Span<byte> destination)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{topic}\n{partition}\n{offset}");
        Encode(Encoding.UTF8.GetBytes(text), destination);
    }

    public static string FromSource(string source, string file, long offset)
    {
        Span<byte> id = stackalloc byte[Length];
        FromSource(Encoding.UTF8.GetBytes(source), Encoding.UTF8.GetBytes(file), Encoding.UTF8.GetBytes(offset.ToString(CultureInfo.InvariantCulture)), id);
        return Encoding.ASCII.GetString(id);
    }

    /// <summary>
    /// base64url(SHA-256(<paramref name="input"/>))[..22] into <paramref name="destination"/>: the shape of every key
    /// derived here (the <c>_id</c>, and the ingest worker's visitor key).
    /// </summary>
    public static void Encode(ReadOnlySpan<byte> input, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[Sha256.HashSize];
        NativeSha256.HashData(input, hash);
        Span<byte> encoded = stackalloc byte[Base64Url.GetEncodedLength(Sha256.HashSize)];
        Base64Url.EncodeToUtf8(hash, encoded);
        encoded[..Length].CopyTo(destination);
    }
}
