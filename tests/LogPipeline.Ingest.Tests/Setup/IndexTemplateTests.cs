using System.Reflection;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Setup;

namespace LogPipeline.Ingest.Tests.Setup;

public sealed class IndexTemplateTests
{
    [Fact]
    public void Every_ecs_constant_is_mapped_at_its_dotted_path()
    {
        var mappings = IndexTemplates.MappingsComponent()["template"]!["mappings"]!["properties"]!.AsObject();
        var constants = typeof(EcsFields).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.True(constants.Count > 40);
        Assert.All(constants, field =>
        {
            JsonNode? node = mappings;
            var parts = field.Split('.');
            for (var i = 0; i < parts.Length; i++)
            {
                node = i == 0 ? node![parts[i]] : node!["properties"]![parts[i]];
                Assert.NotNull(node);
            }

            Assert.Equal(IndexTemplates.FieldTypes[field], node!["type"]!.GetValue<string>());
        });
    }

    [Theory]
    [InlineData(EcsFields.SourceIp, "ip")]
    [InlineData(EcsFields.Timestamp, "date")]
    [InlineData(EcsFields.HttpResponseStatusCode, "long")]
    [InlineData(EcsFields.NginxHourOfDay, "short")]
    [InlineData(EcsFields.UserAgentName, "keyword")]
    public void Key_fields_have_their_ecs_types(string field, string type) => Assert.Equal(type, IndexTemplates.FieldTypes[field]);

    [Fact]
    public void Index_template_beats_the_builtin_logs_template_and_sets_retention()
    {
        var template = IndexTemplates.IndexTemplate(TemplateNames.Default, "7d");
        Assert.Equal("logs-logpipeline.nginx-*", Assert.Single(template["index_patterns"]!.AsArray())!.GetValue<string>());
        Assert.IsType<JsonObject>(template["data_stream"]);
        Assert.True(template["priority"]!.GetValue<int>() > 100);
        Assert.Equal(["logs-logpipeline.nginx@settings", "logs-logpipeline.nginx@mappings"], template["composed_of"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("7d", template["template"]!["lifecycle"]!["data_retention"]!.GetValue<string>());
    }

    [Fact]
    public void Event_original_is_kept_but_not_indexed()
    {
        var original = IndexTemplates.MappingsComponent()["template"]!["mappings"]!["properties"]!["event"]!["properties"]!["original"]!;
        Assert.False(original["index"]!.GetValue<bool>());
        Assert.False(IndexTemplates.IsAggregatable(EcsFields.EventOriginal));
    }
}
