using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogPipeline.Testing.Elasticsearch;

public sealed partial class ElasticsearchStandIn
{
    /// <summary>
    /// Called for every document stored (index, source), under the stand-in's lock on the request thread:
    /// keep it cheap. Used by the benchmarks to timestamp "indexed".
    /// </summary>
    public Action<string, JsonObject>? DocumentStored { get; set; }

    private StandInResponse Bulk(string? pathIndex, ReadOnlyMemory<byte> body, bool requireDataStream)
    {
        Interlocked.Increment(ref _bulkRequests);
        bool drop;
        lock (_gate)
        {
            if (_failBulks > 0)
            {
                _failBulks--;
                _faultsServed++;
                return StatusError(_failBulkStatus, "/" + pathIndex + "/_bulk");
            }

            drop = _dropConnections > 0;
            if (drop)
            {
                _dropConnections--;
                _faultsServed++;
            }
        }

        // Items are written straight to the answer (no JsonObject tree per item): the benchmark runs this
        // double on the same 2 cores as the worker it measures, so the double must stay cheap per document.
        // Lines are read as UTF-8 slices of the body: no UTF-16 copy of a multi-megabyte body, no string per line.
        var items = new List<BulkItem>();
        var errors = false;
        var lines = SplitLines(body.Span);
        for (var i = 0; i < lines.Count; i++)
        {
            if (IsBlank(body.Span[lines[i]]))
            {
                continue;
            }

            var (op, index, id) = ParseAction(body.Span[lines[i]]);
            index ??= pathIndex;
            if (op == "delete")
            {
                items.Add(DeleteItem(index!, id!));
                continue;
            }

            i++;
            var source = i < lines.Count ? body.Span[lines[i]] : [];
            BulkItem result;
            if (op is not ("create" or "index"))
            {
                result = ItemError(op, index, id, 400, "illegal_argument_exception", $"stand-in does not implement bulk action [{op}]");
            }
            else if (index is null)
            {
                result = ItemError(op, null, id, 400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
            }
            else
            {
                result = Store(op, index, id, source, requireDataStream);
            }

            errors |= result.Status >= 300;
            items.Add(result);
        }

        return new StandInResponse(200, null, Drop: drop, Raw: WriteBulkAnswer(errors, items));
    }

    /// <summary>The answer Elasticsearch gives with <paramref name="status"/> for a request as a whole.</summary>
    private static StandInResponse StatusError(int status, string path) => status switch
    {
        429 => Error(429, "es_rejected_execution_exception", "rejected execution of coordinating operation (stand-in)"),
        400 => Error(400, "illegal_argument_exception", "request rejected as a whole (stand-in)"),
        401 => Error(401, "security_exception", $"missing authentication credentials for REST request [{path}] (stand-in)"),
        403 => Error(403, "security_exception", $"action [{path}] is unauthorized for user [ingest] (stand-in)"),
        404 => Error(404, "index_not_found_exception", $"no such index for [{path}] (stand-in)"),
        413 => new StandInResponse(413, null, Raw: []),
        200 => new StandInResponse(200, new JsonObject { ["errors"] = false, ["took"] = 1 }),
        503 when !path.Contains("_bulk", StringComparison.Ordinal) => Error(503, "master_not_discovered_exception", "no master node (stand-in)"),
        _ => Error(status, "unavailable_shards_exception", "primary shard is not active (stand-in)"),
    };

    /// <summary>Reads <c>{"op":{"_index":..,"_id":..}}</c>; other metadata is ignored.</summary>
    private static List<Range> SplitLines(ReadOnlySpan<byte> body)
    {
        var lines = new List<Range>();
        var start = 0;
        while (true)
        {
            var end = body[start..].IndexOf((byte)'\n');
            if (end < 0)
            {
                lines.Add(start..body.Length);
                return lines;
            }

            lines.Add(start..(start + end));
            start += end + 1;
        }
    }

    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n\f\v"u8);

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(Whitespace) < 0;

    private static (string Op, string? Index, string? Id) ParseAction(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            throw new JsonException("bulk action line is not an object with one action");
        }

        var op = reader.GetString()!;
        string? index = null, id = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "_index" when reader.TokenType == JsonTokenType.String:
                        index = reader.GetString();
                        break;
                    case "_id" when reader.TokenType == JsonTokenType.String:
                        id = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        else
        {
            reader.Skip();
        }

        return (op, index, id);
    }

    private static byte[] WriteBulkAnswer(bool errors, List<BulkItem> items)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (items.Count * 200));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("errors", errors);
            writer.WriteNumber("took", 1);
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteStartObject();
                writer.WriteStartObject(item.Op);
                writer.WriteString("_index", item.Index);
                writer.WriteString("_id", item.Id);
                if (item.ErrorType is not null)
                {
                    writer.WriteNumber("status", item.Status);
                    writer.WriteStartObject("error");
                    writer.WriteString("type", item.ErrorType);
                    writer.WriteString("reason", item.ErrorReason);
                    writer.WriteString("index", item.Index);
                    writer.WriteEndObject();
                }
                else if (item.Op == "delete")
                {
                    writer.WriteString("result", item.Result);
                    writer.WriteNumber("status", item.Status);
                }
                else
                {
                    writer.WriteNumber("_version", 1);
                    writer.WriteString("result", item.Result);
                    writer.WriteStartObject("_shards");
                    writer.WriteNumber("total", 1);
                    writer.WriteNumber("successful", 1);
                    writer.WriteNumber("failed", 0);
                    writer.WriteEndObject();
                    writer.WriteNumber("_seq_no", item.SeqNo);
                    writer.WriteNumber("_primary_term", 1);
                    writer.WriteNumber("status", item.Status);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private BulkItem Store(string op, string index, string? id, ReadOnlySpan<byte> source, bool requireDataStream)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(source)!.AsObject();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            return ItemError(op, index, id, 400, "document_parsing_exception", "[1:1] failed to parse: " + ex.Message);
        }

        lock (_gate)
        {
            foreach (var rejection in _itemRejections)
            {
                if (rejection.Remaining is not 0 && rejection.Predicate(document))
                {
                    rejection.Remaining--;
                    _faultsServed++;
                    return rejection.Status == 429
                        ? ItemError(op, index, id, 429, "es_rejected_execution_exception", "rejected execution of primary operation (stand-in)")
                        : ItemError(op, index, id, rejection.Status, "mapper_parsing_exception", "failed to parse field (stand-in rejection)");
                }
            }

            if (!_indices.TryGetValue(index, out var docs))
            {
                // A new name becomes a data stream when a data stream template matches it, else a plain index.
                if (MatchingTemplate(index) is { DataStream: true } template)
                {
                    _dataStreams[index] = template.Name;
                }
                else if (requireDataStream)
                {
                    return ItemError(op, index, id, 404, "index_not_found_exception",
                        $"the [require_data_stream] request flag is [true] and [{index}] is not a data stream and no data stream template matches it");
                }

                docs = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
                _indices[index] = docs;
            }
            else if (requireDataStream && !_dataStreams.ContainsKey(index))
            {
                return ItemError(op, index, id, 400, "illegal_argument_exception",
                    $"index [{index}] is not a data stream and the [require_data_stream] request flag is [true]");
            }

            id ??= "auto-" + Interlocked.Increment(ref _autoId).ToString(CultureInfo.InvariantCulture);
            var exists = docs.ContainsKey(id);
            if (exists && op == "create")
            {
                return ItemError(op, index, id, 409, "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [1])");
            }

            docs[id] = document;
            DocumentStored?.Invoke(index, document);
            return new BulkItem(op, index, id, exists ? 200 : 201, exists ? "updated" : "created", docs.Count - 1, null, null);
        }
    }

    private BulkItem DeleteItem(string index, string id)
    {
        lock (_gate)
        {
            var found = _indices.TryGetValue(index, out var docs) && docs.Remove(id);
            return new BulkItem("delete", index, id, found ? 200 : 404, found ? "deleted" : "not_found", 0, null, null);
        }
    }

    private static BulkItem ItemError(string op, string? index, string? id, int status, string type, string reason) =>
        new(op, index, id, status, null, 0, type, reason);

    /// <summary>One item of a <c>_bulk</c> answer; an error when <see cref="ErrorType"/> is set.</summary>
    private readonly record struct BulkItem(string Op, string? Index, string? Id, int Status, string? Result, long SeqNo, string? ErrorType, string? ErrorReason);
}
