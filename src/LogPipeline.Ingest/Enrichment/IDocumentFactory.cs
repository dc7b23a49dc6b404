using System.Buffers;
using LogPipeline.Ingest.Consuming;

namespace LogPipeline.Ingest.Enrichment;

/// <summary>
/// Turns one raw access-log line into one ECS JSON document (parse → enrich → serialize).
/// The consuming/indexing stages own batching and delivery; this contract owns everything about a line.
/// Implementations are called from the worker's processing thread(s) and must be thread-safe.
/// </summary>
public interface IDocumentFactory
{
    /// <summary>
    /// Writes the document (one JSON object, UTF-8, no trailing newline) to <paramref name="output"/>
    /// and returns <see cref="DocumentResult.Ok"/>; or writes nothing and returns the reason the line
    /// cannot be indexed (it then goes to the dead-letter topic).
    /// </summary>
    DocumentResult TryCreate(ReadOnlySpan<byte> line, in SourceInfo source, IBufferWriter<byte> output);
}

/// <summary>Where a line came from, as carried in the Kafka message headers (see docs/contracts.md).</summary>
/// <param name="Source">Header <c>lp.source</c> (pod/host), if present.</param>
/// <param name="File">Header <c>lp.file</c> (file identity), if present.</param>
/// <param name="Offset">Header <c>lp.offset</c> (byte offset in that file), if present.</param>
/// <param name="Truncated">Header <c>lp.truncated</c> was <c>1</c>.</param>
/// <param name="ReceivedAt">When the worker consumed the message (<c>event.ingested</c>).</param>
public readonly record struct SourceInfo(string? Source, string? File, long? Offset, bool Truncated, DateTimeOffset ReceivedAt)
{
    /// <summary>Header <c>lp.meta</c> (namespace, pod, node, container, labels), if present and readable.</summary>
    public KubernetesSource? Kubernetes { get; init; }
}

/// <summary>The outcome of <see cref="IDocumentFactory.TryCreate"/>.</summary>
public readonly record struct DocumentResult(bool Success, string? Error)
{
    public static DocumentResult Ok => new(true, null);

    public static DocumentResult Fail(string error) => new(false, error);
}
