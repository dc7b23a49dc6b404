using System.IO.Hashing;
using System.Text;
using LogPipeline.Ingest.Enrichment.Visitors;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>logpipeline.visitor.id (docs/contracts.md): base64url(XxHash128(ip '\n' yyyy-MM-dd '\n' user agent)).</summary>
public sealed class VisitorKeyTests
{
    /// <summary>The rule built independently of VisitorKey.</summary>
    private static string Expected(string input) =>
        Convert.ToBase64String(XxHash128.Hash(Encoding.UTF8.GetBytes(input))).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    [Theory]
    [InlineData("8.8.8.8", "agent/1")]
    [InlineData("2001:db8::1", "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0.0.0 Mobile Safari/537.36")]
    [InlineData("unix:", "")]
    [InlineData("203.0.113.9", "Ünïcødé agent ✓")]
    public void The_key_is_the_documented_hash_of_ip_day_and_agent(string ip, string userAgent)
    {
        var day = new DateTimeOffset(2025, 3, 4, 23, 30, 0, TimeSpan.FromHours(-5));

        var key = VisitorKey.Compute(ip, day, userAgent);

        Assert.Equal(Expected($"{ip}\n2025-03-04\n{userAgent}"), key);
        Assert.Equal(VisitorKey.Length, key.Length);
        Assert.All(key, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' in {key}"));
    }

    [Fact]
    public void A_user_agent_past_the_stack_buffer_is_keyed_by_the_same_rule()
    {
        var day = new DateTimeOffset(2025, 3, 4, 8, 0, 0, TimeSpan.Zero);
        var userAgent = "Mozilla/5.0 " + new string('x', 5_000);

        Assert.Equal(Expected($"8.8.8.8\n2025-03-04\n{userAgent}"), VisitorKey.Compute("8.8.8.8", day, userAgent));
    }

    [Fact]
    public void Keys_are_pinned_so_a_change_of_hash_seed_or_byte_order_is_noticed()
    {
        // Changing these values changes every visitor id: a visitor active across the upgrade counts twice that day
        // (docs/decisions/0018-visitor-key-hash.md). Change them only with a new decision.
        var day = new DateTimeOffset(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal("B_ZUKjkTWV2dJrur9WAsgA", VisitorKey.Compute("8.8.8.8", day, "agent/1"));
        Assert.Equal("fRI6ujipBXee9pdWWLpNGQ", VisitorKey.Compute("8.8.8.8", day, string.Empty));
    }

    [Fact]
    public void Inputs_differing_only_in_the_day_or_one_byte_get_different_keys()
    {
        var day = new DateTimeOffset(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);
        var first = VisitorKey.Compute("8.8.8.8", day, "agent/1");

        Assert.Equal(first, VisitorKey.Compute("8.8.8.8", day.AddHours(11), "agent/1"));
        Assert.NotEqual(first, VisitorKey.Compute("8.8.8.8", day.AddDays(1), "agent/1"));
        Assert.NotEqual(first, VisitorKey.Compute("8.8.8.8", day, "agent/2"));
        Assert.NotEqual(first, VisitorKey.Compute("8.8.8.9", day, "agent/1"));
        Assert.NotEqual(first, VisitorKey.Compute("8.8.8.8", day, "agent/1 "));
    }
}
