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

    private StandInResponse Bulk(string? pathIndex, string body)
    {
        Interlocked.Increment(ref _bulkRequests);
        bool drop;
        lock (_gate)
        {
            if (_failBulks > 0)
            {
                _failBulks--;
                return _failBulkStatus == 429
                    ? Error(429, "es_rejected_execution_exception", "rejected execution of coordinating operation (stand-in)")
                    : Error(_failBulkStatus, "unavailable_shards_exception", "primary shard is not active (stand-in)");
            }

            drop = _dropConnections > 0;
            if (drop)
            {
                _dropConnections--;
            }
        }

        var items = new JsonArray();
        var errors = false;
        var lines = body.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var action = JsonNode.Parse(lines[i])!.AsObject();
            var (op, meta) = action.Single();
            var metaObject = meta?.AsObject() ?? [];
            var index = metaObject["_index"]?.GetValue<string>() ?? pathIndex;
            var id = metaObject["_id"]?.GetValue<string>();
            if (op == "delete")
            {
                items.Add(new JsonObject { [op] = DeleteItem(index!, id!) });
                continue;
            }

            i++;
            var source = i < lines.Length ? lines[i] : string.Empty;
            JsonObject result;
            if (op is not ("create" or "index"))
            {
                result = ItemError(index, id, 400, "illegal_argument_exception", $"stand-in does not implement bulk action [{op}]");
            }
            else if (index is null)
            {
                result = ItemError(null, id, 400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
            }
            else
            {
                result = Store(op, index, id, source);
            }

            errors |= result["status"]!.GetValue<int>() >= 300;
            items.Add(new JsonObject { [op] = result });
        }

        var response = new JsonObject { ["errors"] = errors, ["took"] = 1, ["items"] = items };
        return new StandInResponse(200, response, Drop: drop);
    }

    private JsonObject Store(string op, string index, string? id, string source)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(source)!.AsObject();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            return ItemError(index, id, 400, "document_parsing_exception", "[1:1] failed to parse: " + ex.Message);
        }

        lock (_gate)
        {
            foreach (var rejection in _itemRejections)
            {
                if (rejection.Remaining is not 0 && rejection.Predicate(document))
                {
                    rejection.Remaining--;
                    return rejection.Status == 429
                        ? ItemError(index, id, 429, "es_rejected_execution_exception", "rejected execution of primary operation (stand-in)")
                        : ItemError(index, id, rejection.Status, "mapper_parsing_exception", "failed to parse field (stand-in rejection)");
                }
            }

            if (!_indices.TryGetValue(index, out var docs))
            {
                docs = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
                _indices[index] = docs;
            }

            id ??= "auto-" + Interlocked.Increment(ref _autoId).ToString(CultureInfo.InvariantCulture);
            var exists = docs.ContainsKey(id);
            if (exists && op == "create")
            {
                return ItemError(index, id, 409, "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [1])");
            }

            docs[id] = document;
            DocumentStored?.Invoke(index, document);
            return new JsonObject
            {
                ["_index"] = index,
                ["_id"] = id,
                ["_version"] = 1,
                ["result"] = exists ? "updated" : "created",
                ["_shards"] = Shards(),
                ["_seq_no"] = docs.Count - 1,
                ["_primary_term"] = 1,
                ["status"] = exists ? 200 : 201,
            };
        }
    }

    private JsonObject DeleteItem(string index, string id)
    {
        lock (_gate)
        {
            var found = _indices.TryGetValue(index, out var docs) && docs.Remove(id);
            return new JsonObject { ["_index"] = index, ["_id"] = id, ["result"] = found ? "deleted" : "not_found", ["status"] = found ? 200 : 404 };
        }
    }

    private static JsonObject ItemError(string? index, string? id, int status, string type, string reason) => new()
    {
        ["_index"] = index,
        ["_id"] = id,
        ["status"] = status,
        ["error"] = new JsonObject { ["type"] = type, ["reason"] = reason, ["index"] = index },
    };
}
