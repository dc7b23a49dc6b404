using System.Security.Cryptography;
using System.Text;
using LogPipeline.Shipper.Lines;

namespace LogPipeline.Contracts.Tests;

public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Matches_the_published_test_vectors(string input, string expected)
    {
        var digest = new byte[32];
        Sha256.HashData(Encoding.ASCII.GetBytes(input), digest);
        Assert.Equal(expected, Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Matches_the_platform_implementation_for_every_length_across_the_block_boundaries()
    {
        // Lengths 0..300 cover one, two and more blocks and both padding cases (55/56/63/64 bytes).
        var random = new Random(20261126);
        var digest = new byte[32];
        for (var length = 0; length <= 300; length++)
        {
            for (var round = 0; round < 4; round++)
            {
                var data = new byte[length];
                random.NextBytes(data);
                Sha256.HashData(data, digest);
                Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(digest), $"length {length}, round {round}");
            }
        }
    }

    [Fact]
    public void File_fingerprints_are_unchanged_from_the_platform_sha256()
    {
        // Checkpoints and document ids carry the fingerprint: it must stay what earlier builds wrote.
        // The shipper's fingerprint uses the shared implementation.
        var line = "10.1.2.3 - - [26/Nov/2026:03:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8.5\"\n"u8.ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(line).AsSpan(0, 8)), FileIdentity.Hash(line));
    }
}
