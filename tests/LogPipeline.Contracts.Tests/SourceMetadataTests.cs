using System.Text;
using LogPipeline.Shipper.Options;

namespace LogPipeline.Contracts.Tests;

public sealed class SourceMetadataTests
{
    [Fact]
    public void Version_1_is_the_documented_pipe_separated_text()
    {
        var metadata = new SourceMetadata(
            "kubernetes", "shop", "web-1", "uid-1", "node-1", "nginx",
            [new("app.kubernetes.io/name", "shop"), new("app", "storefront")]);

        Assert.Equal(
            "1|kubernetes|shop|web-1|uid-1|node-1|nginx|app.kubernetes.io/name=shop,app=storefront",
            Encoding.UTF8.GetString(metadata.Encode()));
    }

    [Fact]
    public void Unknown_fields_stay_empty_and_decode_as_absent()
    {
        var encoded = new SourceMetadata(null, "shop", null, null, null, null, []).Encode();

        Assert.Equal("1||shop|||||", Encoding.UTF8.GetString(encoded));
        Assert.True(SourceMetadata.TryDecode(encoded, out var decoded));
        Assert.Equal("shop", decoded.Namespace);
        Assert.Null(decoded.PodName);
        Assert.Null(decoded.Orchestrator);
        Assert.Empty(decoded.Labels);
        Assert.Null(decoded.App);
    }

    [Fact]
    public void App_prefers_the_recommended_label_over_app()
    {
        Assert.Equal("shop", new SourceMetadata(null, null, null, null, null, null, [new("app", "legacy"), new("app.kubernetes.io/name", "shop")]).App);
        Assert.Equal("legacy", new SourceMetadata(null, null, null, null, null, null, [new("app", "legacy")]).App);
    }

    [Theory]
    [InlineData("a|b")]
    [InlineData("a,b")]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("ü")]
    public void Values_that_would_need_escaping_are_refused(string value)
    {
        Assert.False(SourceMetadata.IsValidValue(value));
        Assert.Throws<ArgumentException>(() => new SourceMetadata(null, value.Length == 0 ? "x" : value, null, null, null, null, [new("k", value)]).Encode());
    }

    [Fact]
    public void Shipper_reads_the_downward_api_labels_file_keeping_only_the_selected_labels()
    {
        var path = Path.GetTempFileName();
        try
        {
            // As the kubelet writes metadata.labels: sorted, Go-quoted values, no trailing newline.
            File.WriteAllText(path, "app=\"storefront\"\napp.kubernetes.io/instance=\"shop-eu\"\napp.kubernetes.io/name=\"shop\"\npod-template-hash=\"7d9f8c6b5\"");
            var errors = new List<string>();

            var metadata = new MetadataOptions { LabelsFile = path, Labels = "app=override" }.Resolve("Shipper:Metadata", errors);

            Assert.Empty(errors);
            Assert.Equal(
                ["app.kubernetes.io/instance=shop-eu", "app.kubernetes.io/name=shop", "app=override"],
                metadata!.Labels.Select(l => $"{l.Key}={l.Value}"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Shipper_refuses_bad_metadata_naming_the_key()
    {
        var errors = new List<string>();

        var metadata = new MetadataOptions
        {
            Namespace = "shop|evil",
            Labels = "novalue",
            LabelsFile = "/nonexistent/labels",
        }.Resolve("Shipper:Metadata", errors);

        Assert.Null(metadata);
        Assert.Contains(errors, e => e.StartsWith("Shipper:Metadata:Namespace 'shop|evil'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Shipper:Metadata:Labels entry 'novalue'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Shipper:Metadata:LabelsFile '/nonexistent/labels'", StringComparison.Ordinal));
    }
}
