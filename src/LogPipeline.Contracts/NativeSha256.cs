using System.Runtime.InteropServices;

namespace LogPipeline.Contracts;

/// <summary>
/// SHA-256 through OpenSSL's low-level <c>SHA256_Init/Update/Final</c> (libcrypto.so.3), which use the CPU's SHA
/// instructions where it has them, with the context on the stack: no EVP provider dispatch, no context allocation
/// and no GC transition per call — what makes <c>System.Security.Cryptography</c>'s one-shot slower than the managed
/// <see cref="Sha256"/> for inputs this short. Only the ingest worker's per-line keys use it (the shipper never calls
/// it, so libcrypto is never loaded into the sidecar). Where libcrypto or the functions are missing the managed
/// implementation answers: the same digest either way.
/// </summary>
public static unsafe class NativeSha256
{
    // SHA256_CTX is 112 bytes in OpenSSL 1.1 and 3.x; the buffer leaves room.
    private const int ContextSize = 256;

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> Init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> Final;

    static NativeSha256()
    {
        if (!NativeLibrary.TryLoad("libcrypto.so.3", typeof(NativeSha256).Assembly, null, out var library)
            || !NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
            || !NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
            || !NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            return;
        }

        Init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
        Update = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
        Final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
        IsNative = SelfTest();
    }

    /// <summary>Whether OpenSSL answers (false: the managed implementation does).</summary>
    public static bool IsNative { get; }

    /// <summary>Writes the 32-byte digest of <paramref name="input"/> into <paramref name="hash"/>.</summary>
    public static void HashData(ReadOnlySpan<byte> input, Span<byte> hash)
    {
        if (!IsNative || !TryHashNative(input, hash))
        {
            Sha256.HashData(input, hash);
        }
    }

    private static bool TryHashNative(ReadOnlySpan<byte> input, Span<byte> hash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hash.Length, Sha256.HashSize, nameof(hash));
        var context = stackalloc byte[ContextSize];
        fixed (byte* data = input)
        fixed (byte* digest = hash)
        {
            // Each returns 1 on success; a failure falls back to the managed digest (never a wrong one).
            return Init(context) == 1 && Update(context, data, (nuint)input.Length) == 1 && Final(digest, context) == 1;
        }
    }

    // A library that loads but computes something else (a stub, an incompatible build) must never produce ids.
    private static bool SelfTest()
    {
        Span<byte> input = stackalloc byte[150];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (byte)(i * 31);
        }

        Span<byte> expected = stackalloc byte[Sha256.HashSize];
        Span<byte> actual = stackalloc byte[Sha256.HashSize];
        for (var length = 0; length <= input.Length; length += 25)
        {
            Sha256.HashData(input[..length], expected);
            if (!TryHashNative(input[..length], actual) || !actual.SequenceEqual(expected))
            {
                return false;
            }
        }

        return true;
    }
}
