using System.Buffers;
using System.Text.Json;
using LogPipeline.Ingest.Enrichment;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>
/// Stands in for the real parse/enrich factory: writes {"message", "@timestamp", "source", "n"} and refuses
/// lines containing "BAD". <c>n</c> is the number after "line " so tests can query by it.
/// </summary>
internal sealed class FakeDocumentFactory : IDocumentFactory
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public DocumentResult TryCreate(ReadOnlySpan<byte> line, in SourceInfo source, IBufferWriter<byte> output)
    {
        Interlocked.Increment(ref _calls);
        if (line.IndexOf("BAD"u8) >= 0)
        {
            return DocumentResult.Fail("unparseable: contains BAD");
        }

        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("message", line);
        writer.WriteString("@timestamp", source.ReceivedAt);
        writer.WriteString("source", source.Source);
        var space = line.LastIndexOf((byte)' ');
        if (space >= 0 && System.Buffers.Text.Utf8Parser.TryParse(line[(space + 1)..], out long n, out _))
        {
            writer.WriteNumber("n", n);
        }

        writer.WriteEndObject();
        return DocumentResult.Ok;
    }
}
