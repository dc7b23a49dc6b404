using System.Globalization;
using System.Text;
using Confluent.Kafka;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Options;

namespace LogPipeline.Contracts.Tests;

/// <summary>What the shipper writes, the ingest worker reads back unchanged: identity, headers, metadata and _id.</summary>
public sealed class RoundTripTests
{
    [Theory]
    [InlineData(2049UL, 1234UL, "00ff00ff00ff00ff")]
    [InlineData(0UL, 0UL, "")]
    [InlineData(ulong.MaxValue, ulong.MaxValue, "0123456789abcdef")]
    public void File_identity_text_parses_back_to_the_same_identity(ulong device, ulong inode, string fingerprint)
    {
        var written = new FileIdentity(device, inode, 10, fingerprint).ToString();

        Assert.Equal($"{device}:{inode}:{fingerprint}", written);
        Assert.True(FileIdentityText.TryParse(written, out var d, out var i, out var f));
        Assert.Equal((device, inode, fingerprint), (d, i, f));
        Assert.True(FileIdentity.TryParse(written, out d, out i, out f));
        Assert.Equal((device, inode, fingerprint), (d, i, f));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2049:1234")]
    [InlineData("2049:1234:ab:cd")]
    [InlineData("-1:1234:ab")]
    [InlineData("x:1234:ab")]
    [InlineData("2049: 1234:ab")]
    public void Anything_else_is_not_a_file_identity(string text)
    {
        Assert.False(FileIdentityText.TryParse(text, out _, out _, out _));
    }

    [Fact]
    public void The_ingest_worker_reads_the_headers_the_shipper_writes_and_derives_the_documented_id()
    {
        var identity = new FileIdentity(2049, 77, 12, "ab12cd34ef56ab78");
        var metadata = Resolve(new MetadataOptions
        {
            Orchestrator = "kubernetes",
            Namespace = "shop",
            PodName = "web-7d9f-abcde",
            PodUid = "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11",
            NodeName = "node-3.eu-west-1.compute.internal",
            ContainerName = "nginx",
            Labels = "app.kubernetes.io/name=shop,app.kubernetes.io/instance=shop-eu,app=storefront",
        });
        var record = Record(
            (HeaderNames.Source, "web-7d9f-abcde"u8.ToArray()),
            (HeaderNames.File, identity.Utf8),
            (HeaderNames.Offset, "1200"u8.ToArray()),
            (HeaderNames.Metadata, metadata.Encode()),
            (HeaderNames.Truncated, "1"u8.ToArray()));
        Span<byte> id = stackalloc byte[DocumentId.Length];

        var read = new SourceHeaders().Read(record, "nginx-access");
        read.WriteDocumentId(id);
        var source = read.Source;

        Assert.Equal("web-7d9f-abcde", source.Source);
        Assert.Equal(identity.ToString(), source.File);
        Assert.Equal(1200L, source.FileOffset);
        Assert.True(source.Truncated);
        Assert.Equal(DocumentId.FromSource("web-7d9f-abcde", identity.ToString(), 1200), Encoding.ASCII.GetString(id));
        var k8s = Assert.IsType<KubernetesSource>(source.Kubernetes);
        Assert.Equal(
            ("kubernetes", "shop", "web-7d9f-abcde", "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11", "node-3.eu-west-1.compute.internal", "nginx"),
            (k8s.Metadata.Orchestrator, k8s.Metadata.Namespace, k8s.Metadata.PodName, k8s.Metadata.PodUid, k8s.Metadata.NodeName, k8s.Metadata.ContainerName));
        Assert.Equal("shop", k8s.App);
        Assert.Equal(
            ["app_kubernetes_io/name=shop", "app_kubernetes_io/instance=shop-eu", "app=storefront"],
            k8s.Labels.Select(l => $"{Encoding.UTF8.GetString(l.Key.EncodedUtf8Bytes)}={l.Value}"));
    }

    [Fact]
    public void Header_names_are_the_documented_ones_in_both_forms()
    {
        Assert.Equal(
            ["lp.source", "lp.file", "lp.offset", "lp.truncated", "lp.meta", "lp.error", "lp.stage"],
            [HeaderNames.Source, HeaderNames.File, HeaderNames.Offset, HeaderNames.Truncated, HeaderNames.Metadata, HeaderNames.Error, HeaderNames.Stage]);
        Assert.Equal(HeaderNames.Source, Encoding.UTF8.GetString(HeaderNames.SourceUtf8));
        Assert.Equal(HeaderNames.File, Encoding.UTF8.GetString(HeaderNames.FileUtf8));
        Assert.Equal(HeaderNames.Offset, Encoding.UTF8.GetString(HeaderNames.OffsetUtf8));
        Assert.Equal(HeaderNames.Truncated, Encoding.UTF8.GetString(HeaderNames.TruncatedUtf8));
        Assert.Equal(HeaderNames.Metadata, Encoding.UTF8.GetString(HeaderNames.MetadataUtf8));
    }

    [Fact]
    public void Lines_without_source_headers_get_the_kafka_position_id_and_no_metadata()
    {
        var record = Record();
        Span<byte> id = stackalloc byte[DocumentId.Length];
        Span<byte> expected = stackalloc byte[DocumentId.Length];

        var read = new SourceHeaders().Read(record, "nginx-access");
        read.WriteDocumentId(id);
        var source = read.Source;

        DocumentId.FromKafkaPosition("nginx-access", 3, 42, expected);
        Assert.True(id.SequenceEqual(expected));
        Assert.Null(source.Kubernetes);
        Assert.Null(source.Source);
    }

    [Theory]
    [InlineData("2|kubernetes|shop|web|uid|node|nginx|")]
    [InlineData("1|kubernetes|shop|web")]
    [InlineData("1|kubernetes|shop|web|uid|node|nginx|app")]
    [InlineData("garbage")]
    [InlineData("1|kubernetes|sh\"op|web|uid|node|nginx|")]
    [InlineData("1|kubernetes|shop|web|uid|node|nginx|app=a b")]
    public void A_metadata_header_of_another_version_or_malformed_is_ignored_not_fatal(string value)
    {
        var record = Record(
            (HeaderNames.Source, "web"u8.ToArray()),
            (HeaderNames.File, "1:2:ab"u8.ToArray()),
            (HeaderNames.Offset, "0"u8.ToArray()),
            (HeaderNames.Metadata, Encoding.UTF8.GetBytes(value)));
        Span<byte> id = stackalloc byte[DocumentId.Length];

        var read = new SourceHeaders().Read(record, "nginx-access");
        read.WriteDocumentId(id);

        Assert.Null(read.Source.Kubernetes);
        Assert.Equal(DocumentId.FromSource("web", "1:2:ab", 0), Encoding.ASCII.GetString(id));
    }

    [Fact]
    public void Interleaved_pods_each_keep_their_own_metadata()
    {
        var headers = new SourceHeaders();
        for (var round = 0; round < 3; round++)
        {
            foreach (var pod in new[] { "web-a", "web-b", "web-c" })
            {
                var meta = new SourceMetadata("kubernetes", "ns-" + pod, pod, null, "node-" + pod, "nginx", [new("app", "app-" + pod)]);
                var source = headers.Read(Record((HeaderNames.Metadata, meta.Encode())), "nginx-access").Source;
                Assert.Equal(pod, source.Kubernetes?.Metadata.PodName);
                Assert.Equal("ns-" + pod, source.Kubernetes?.Metadata.Namespace);
                Assert.Equal("app-" + pod, source.Kubernetes?.App);
            }
        }
    }

    private static SourceMetadata Resolve(MetadataOptions options)
    {
        var errors = new List<string>();
        var metadata = options.Resolve("Shipper:Metadata", errors);
        Assert.Empty(errors);
        return Assert.IsType<SourceMetadata>(metadata);
    }

    private static ConsumeResult<byte[], byte[]> Record(params (string Key, byte[] Value)[] headers)
    {
        var list = new Headers();
        foreach (var (key, value) in headers)
        {
            list.Add(key, value);
        }

        return new ConsumeResult<byte[], byte[]>
        {
            Topic = "nginx-access",
            Partition = new Partition(3),
            Offset = new Offset(42),
            Message = new Message<byte[], byte[]> { Value = "line"u8.ToArray(), Headers = list },
        };
    }
}
