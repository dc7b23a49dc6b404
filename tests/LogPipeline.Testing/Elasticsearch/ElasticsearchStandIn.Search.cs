using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogPipeline.Testing.Elasticsearch;

public sealed partial class ElasticsearchStandIn
{
    /// <summary>
    /// Hook for aggregation support (<c>ElasticsearchStandIn.Aggregations.cs</c>): fills
    /// <c>response["aggregations"]</c> from the request's <c>aggs</c>/<c>aggregations</c> over every matched
    /// document (not only the returned page). Called under no lock with copies of the documents.
    /// </summary>
    partial void ApplyAggregations(JsonObject requestBody, IReadOnlyList<JsonObject> matchedDocs, JsonObject response);

    private StandInResponse Count(string expression, string body)
    {
        var request = ParseRequest(body);
        var matched = Match(expression, request["query"] as JsonObject);
        return new StandInResponse(200, new JsonObject { ["count"] = matched.Count, ["_shards"] = Shards() });
    }

    private StandInResponse Search(string expression, string body, string? sizeParameter)
    {
        var request = ParseRequest(body);
        var matched = Match(expression, request["query"] as JsonObject);
        Sort(matched, request["sort"]);
        var size = sizeParameter is not null
            ? int.Parse(sizeParameter, CultureInfo.InvariantCulture)
            : request["size"]?.GetValue<int>() ?? 10;
        var from = request["from"]?.GetValue<int>() ?? 0;
        var hits = new JsonArray();
        foreach (var (index, id, doc) in matched.Skip(from).Take(size))
        {
            hits.Add(new JsonObject { ["_index"] = index, ["_id"] = id, ["_score"] = 1.0, ["_source"] = doc.DeepClone() });
        }

        var response = new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = Shards(),
            ["hits"] = new JsonObject
            {
                ["total"] = new JsonObject { ["value"] = matched.Count, ["relation"] = "eq" },
                ["max_score"] = matched.Count > 0 ? 1.0 : null,
                ["hits"] = hits,
            },
        };
        ApplyAggregations(request, matched.Select(m => m.Doc).ToList(), response);
        return new StandInResponse(200, response);
    }

    private static JsonObject ParseRequest(string body) =>
        string.IsNullOrWhiteSpace(body) ? [] : JsonNode.Parse(body)!.AsObject();

    /// <summary>Copies of the documents of every matching index that satisfy <paramref name="query"/>.</summary>
    private List<(string Index, string Id, JsonObject Doc)> Match(string expression, JsonObject? query)
    {
        var result = new List<(string, string, JsonObject)>();
        lock (_gate)
        {
            foreach (var (index, docs) in _indices)
            {
                if (!MatchesIndexOrStream(expression, index))
                {
                    continue;
                }

                foreach (var (id, doc) in docs)
                {
                    if (query is null || Evaluate(query, id, doc))
                    {
                        result.Add((index, id, (JsonObject)doc.DeepClone()));
                    }
                }
            }
        }

        return result;
    }

    private static bool Evaluate(JsonObject query, string id, JsonObject doc)
    {
        foreach (var (kind, clause) in query)
        {
            var ok = kind switch
            {
                "match_all" => true,
                "match_none" => false,
                "ids" => clause!["values"]!.AsArray().Any(v => v!.GetValue<string>() == id),
                "term" => FieldClause(clause!, (field, spec) => Values(doc, field).Any(v => Equal(v, spec is JsonObject o ? o["value"] : spec))),
                "terms" => FieldClause(clause!, (field, spec) => spec!.AsArray().Any(t => Values(doc, field).Any(v => Equal(v, t)))),
                "match" or "match_phrase" => FieldClause(clause!, (field, spec) => Values(doc, field).Any(v => Contains(v, spec is JsonObject o ? o["query"] : spec))),
                "exists" => Values(doc, clause!["field"]!.GetValue<string>()).Count > 0,
                "range" => FieldClause(clause!, (field, spec) => Values(doc, field).Any(v => InRange(v, spec!.AsObject()))),
                "bool" => EvaluateBool(clause!.AsObject(), id, doc),
                _ => throw new NotSupportedException($"stand-in does not implement the [{kind}] query"),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool FieldClause(JsonNode clause, Func<string, JsonNode?, bool> test)
    {
        var (field, spec) = clause.AsObject().Single(kv => kv.Key != "boost");
        return test(field, spec);
    }

    private static bool EvaluateBool(JsonObject clause, string id, JsonObject doc)
    {
        static IEnumerable<JsonObject> Clauses(JsonNode? node) => node switch
        {
            null => [],
            JsonArray array => array.Select(n => n!.AsObject()),
            _ => [node.AsObject()],
        };

        if (Clauses(clause["must"]).Concat(Clauses(clause["filter"])).Any(q => !Evaluate(q, id, doc)))
        {
            return false;
        }

        if (Clauses(clause["must_not"]).Any(q => Evaluate(q, id, doc)))
        {
            return false;
        }

        var should = Clauses(clause["should"]).ToList();
        var minimum = clause["minimum_should_match"]?.GetValue<int>() ?? (clause["must"] is null && clause["filter"] is null ? 1 : 0);
        return should.Count == 0 || should.Count(q => Evaluate(q, id, doc)) >= minimum;
    }

    /// <summary>Values of a field, whether stored as nested objects or as dotted keys; arrays flattened.</summary>
    internal static List<JsonNode> Values(JsonObject doc, string field)
    {
        var values = new List<JsonNode>();
        Collect(doc, field, values);
        if (values.Count == 0 && field.EndsWith(".keyword", StringComparison.Ordinal))
        {
            Collect(doc, field[..^".keyword".Length], values);
        }

        return values;
    }

    private static void Collect(JsonObject obj, string path, List<JsonNode> values)
    {
        if (obj.TryGetPropertyValue(path, out var direct) && direct is not null)
        {
            Flatten(direct, values);
        }

        for (var dot = path.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = path.IndexOf('.', dot + 1))
        {
            if (obj[path[..dot]] is JsonObject child)
            {
                Collect(child, path[(dot + 1)..], values);
            }
            else if (obj[path[..dot]] is JsonArray array)
            {
                foreach (var item in array.OfType<JsonObject>())
                {
                    Collect(item, path[(dot + 1)..], values);
                }
            }
        }
    }

    private static void Flatten(JsonNode node, List<JsonNode> values)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is not null)
                {
                    Flatten(item, values);
                }
            }
        }
        else
        {
            values.Add(node);
        }
    }

    private static bool Equal(JsonNode value, JsonNode? expected)
    {
        if (expected is null)
        {
            return false;
        }

        if (TryNumber(value, out var a) && TryNumber(expected, out var b))
        {
            return a == b;
        }

        return Text(value) == Text(expected);
    }

    private static bool Contains(JsonNode value, JsonNode? expected) =>
        expected is not null && (Equal(value, expected)
            || Text(value).Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(Text(expected), StringComparer.OrdinalIgnoreCase)
            || Text(value).Contains(Text(expected), StringComparison.OrdinalIgnoreCase));

    private static bool InRange(JsonNode value, JsonObject range)
    {
        foreach (var (op, bound) in range)
        {
            if (op is "format" or "time_zone" or "boost" || bound is null)
            {
                continue;
            }

            var cmp = Compare(value, bound);
            if (cmp is null)
            {
                return false;
            }

            var ok = op switch
            {
                "gte" => cmp >= 0,
                "gt" => cmp > 0,
                "lte" => cmp <= 0,
                "lt" => cmp < 0,
                _ => throw new NotSupportedException($"stand-in does not implement range [{op}]"),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static int? Compare(JsonNode value, JsonNode bound)
    {
        if (TryNumber(value, out var a) && TryNumber(bound, out var b))
        {
            return a.CompareTo(b);
        }

        if (TryDate(value, out var x) && TryDate(bound, out var y))
        {
            return x.CompareTo(y);
        }

        return string.CompareOrdinal(Text(value), Text(bound));
    }

    private static bool TryNumber(JsonNode node, out double number)
    {
        number = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out number);
    }

    private static bool TryDate(JsonNode node, out DateTimeOffset date)
    {
        var text = Text(node);
        if (text.StartsWith("now", StringComparison.Ordinal))
        {
            date = DateTimeOffset.UtcNow;
            var rest = text[3..].Split('/')[0];
            if (rest.Length > 2)
            {
                var amount = int.Parse(rest[1..^1], CultureInfo.InvariantCulture) * (rest[0] == '-' ? -1 : 1);
                date = rest[^1] switch
                {
                    's' => date.AddSeconds(amount),
                    'm' => date.AddMinutes(amount),
                    'h' or 'H' => date.AddHours(amount),
                    'd' => date.AddDays(amount),
                    _ => date,
                };
            }

            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date);
    }

    private static string Text(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node.ToJsonString();

    private static void Sort(List<(string Index, string Id, JsonObject Doc)> matched, JsonNode? sort)
    {
        if (sort is null)
        {
            return;
        }

        var keys = new List<(string Field, bool Descending)>();
        foreach (var entry in sort is JsonArray array ? array.ToList() : [sort])
        {
            switch (entry)
            {
                case JsonValue v:
                    keys.Add((v.GetValue<string>(), false));
                    break;
                case JsonObject o:
                    var (field, spec) = o.Single();
                    var order = spec is JsonObject so ? so["order"]?.GetValue<string>() : spec?.GetValue<string>();
                    keys.Add((field, order == "desc"));
                    break;
            }
        }

        matched.Sort((l, r) =>
        {
            foreach (var (field, descending) in keys)
            {
                var a = Values(l.Doc, field).FirstOrDefault();
                var b = Values(r.Doc, field).FirstOrDefault();
                var cmp = a is null || b is null ? (a is null ? 1 : 0) - (b is null ? 1 : 0) : Compare(a, b) ?? 0;
                if (cmp != 0)
                {
                    return descending ? -cmp : cmp;
                }
            }

            return 0;
        });
    }
}
