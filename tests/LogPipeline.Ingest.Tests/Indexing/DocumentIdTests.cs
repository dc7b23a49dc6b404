using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Tests.Indexing;

/// <summary>The _id is a contract with data already indexed: the managed SHA-256 must be the platform's, byte for byte.</summary>
public sealed class DocumentIdTests
{
    [Fact]
    public void Managed_sha256_equals_the_platforms_for_every_length_across_the_block_boundaries()
    {
        var random = new Random(2026);
        Span<byte> managed = stackalloc byte[32];
        Span<byte> platform = stackalloc byte[32];
        for (var length = 0; length <= 300; length++)
        {
            for (var round = 0; round < 4; round++)
            {
                var input = new byte[length];
                random.NextBytes(input);
                DocumentId.Sha256.HashData(input, managed);
                SHA256.HashData(input, platform);
                Assert.True(managed.SequenceEqual(platform), $"length {length}, round {round}");
            }
        }
    }

    [Fact]
    public void Known_answers_from_fips_180_examples()
    {
        Span<byte> hash = stackalloc byte[32];
        DocumentId.Sha256.HashData("abc"u8, hash);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(hash));
        DocumentId.Sha256.HashData([], hash);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(hash));
    }

    [Theory]
    [InlineData("web-1", "2049:77:ab", 1200L)]
    [InlineData("", "2049:1234:00ff00ff00ff00ff", 0L)]
    [InlineData("web-7d9f-abcde", "2049:1234:00ff00ff00ff00ff", 9_223_372_036_854_775_807L)]
    public void Ids_are_the_documented_rule_base64url_sha256_of_source_file_offset_cut_to_22(string source, string file, long offset)
    {
        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{source}\n{file}\n{offset}")))[..DocumentId.Length];

        Assert.Equal(expected, DocumentId.FromSource(source, file, offset));
    }

    [Fact]
    public void Kafka_position_ids_follow_the_same_rule()
    {
        Span<byte> id = stackalloc byte[DocumentId.Length];
        DocumentId.FromKafkaPosition("nginx-access", 3, 42, id);

        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData("nginx-access\n3\n42"u8))[..DocumentId.Length], Encoding.ASCII.GetString(id));
    }
}
