using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace LogPipeline.Contracts.Tests;

public sealed class NativeSha256Tests
{
    [Fact]
    public void Uses_openssl_where_libcrypto_loads()
    {
        // Linux with OpenSSL 3 (the worker image, CI): the per-line keys must take the fast path, not silently fall back.
        var loads = NativeLibrary.TryLoad("libcrypto.so.3", out var library);
        if (loads)
        {
            NativeLibrary.Free(library);
        }

        Assert.Equal(loads, NativeSha256.IsNative);
    }

    [Fact]
    public void Matches_the_platform_implementation_for_every_length_across_the_block_boundaries()
    {
        var random = new Random(20261202);
        var digest = new byte[32];
        for (var length = 0; length <= 300; length++)
        {
            for (var round = 0; round < 4; round++)
            {
                var data = new byte[length];
                random.NextBytes(data);
                NativeSha256.HashData(data, digest);
                Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(digest), $"length {length}, round {round}");
            }
        }
    }

    [Fact]
    public void Is_safe_from_many_threads_at_once()
    {
        // The context lives on each caller's stack: concurrent callers must not share state.
        var inputs = Enumerable.Range(0, 64).Select(i => Enumerable.Range(0, 40 + i).Select(b => (byte)(b * i)).ToArray()).ToArray();
        var expected = inputs.Select(SHA256.HashData).ToArray();
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, n =>
        {
            Span<byte> digest = stackalloc byte[32];
            NativeSha256.HashData(inputs[n % inputs.Length], digest);
            Assert.True(digest.SequenceEqual(expected[n % inputs.Length]));
        });
    }
}
