using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>Requests with unique ids sent to the real nginx, and those ids found again in Kafka.</summary>
internal static partial class NginxRequests
{
    /// <summary>Sends ids [first, first+count) with a few concurrent HttpClient calls.</summary>
    public static async Task SendAsync(Uri baseAddress, int first, int count, CancellationToken cancellationToken, int concurrency = 8)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("shipper-test/1.0");
        var next = first - 1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int id;
            while ((id = Interlocked.Increment(ref next)) < first + count)
            {
                using var response = await http.GetAsync($"/req?id={id:D7}&pad={new string('x', 40)}", cancellationToken);
                response.EnsureSuccessStatusCode();
            }
        });
        await Task.WhenAll(workers);
    }

    /// <summary>The request id of each record (-1 for a record that is not one of ours).</summary>
    public static List<int> Ids(IEnumerable<ConsumeResult<byte[], byte[]>> records) =>
        records.Select(r => IdPattern().Match(Encoding.UTF8.GetString(r.Message.Value)))
            .Select(m => m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1)
            .ToList();

    [GeneratedRegex(@"GET /req\?id=(\d{7})&")]
    private static partial Regex IdPattern();
}
