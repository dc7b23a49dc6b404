using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace LogPipeline.Contracts.Tests;

/// <summary>The _id is a contract with data already indexed: the documented rule, computed with the platform's SHA-256.</summary>
public sealed class DocumentIdTests
{
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
