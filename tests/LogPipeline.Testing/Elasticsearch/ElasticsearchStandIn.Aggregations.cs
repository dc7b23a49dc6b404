using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogPipeline.Testing.Elasticsearch;

/// <summary>
/// Aggregations for the stand-in's <c>_search</c>, computed over every matched document the way Elasticsearch
/// does for one shard: <c>terms</c> (size, order by count/key/sub-aggregation, count desc then key asc),
/// <c>date_histogram</c> (calendar or fixed interval, UTC or fixed-offset time zone, gaps filled when
/// <c>min_doc_count</c> is 0), <c>histogram</c>, <c>range</c>, <c>filter</c>/<c>filters</c>, and the metrics
/// <c>cardinality</c> (exact here), <c>sum</c>, <c>avg</c>, <c>min</c>, <c>max</c>, <c>value_count</c>.
/// Dotted field paths resolve through nested objects (<see cref="Values"/>). Runs on the request's thread with
/// private copies of the documents.
/// </summary>
public sealed partial class ElasticsearchStandIn
{
    partial void ApplyAggregations(JsonObject requestBody, IReadOnlyList<JsonObject> matchedDocs, JsonObject response)
    {
        if ((requestBody["aggs"] ?? requestBody["aggregations"]) is JsonObject aggs)
        {
            response["aggregations"] = Aggregate(aggs, matchedDocs);
        }
    }

    private static JsonObject Aggregate(JsonObject aggs, IReadOnlyList<JsonObject> docs)
    {
        var result = new JsonObject();
        foreach (var (name, spec) in aggs)
        {
            result[name] = AggregateOne(spec!.AsObject(), docs);
        }

        return result;
    }

    private static JsonObject AggregateOne(JsonObject spec, IReadOnlyList<JsonObject> docs)
    {
        var sub = (spec["aggs"] ?? spec["aggregations"]) as JsonObject;
        var (kind, body) = spec.First(kv => kv.Key is not ("aggs" or "aggregations" or "meta"));
        var args = body!.AsObject();
        return kind switch
        {
            "terms" => Terms(args, sub, docs),
            "date_histogram" => DateHistogram(args, sub, docs),
            "histogram" => Histogram(args, sub, docs),
            "range" => RangeAgg(args, sub, docs),
            "filter" => Bucket(null, docs.Where(d => Evaluate(args, string.Empty, d)).ToList(), sub),
            "filters" => FiltersAgg(args, sub, docs),
            "cardinality" => new JsonObject { ["value"] = docs.SelectMany(d => Values(d, Field(args))).Select(v => v.ToJsonString()).Distinct(StringComparer.Ordinal).Count() },
            "value_count" => new JsonObject { ["value"] = docs.Sum(d => Values(d, Field(args)).Count) },
            "sum" => new JsonObject { ["value"] = Numbers(docs, args).Sum() },
            "avg" => new JsonObject { ["value"] = Numbers(docs, args) is { Count: > 0 } n ? n.Average() : null },
            "min" => new JsonObject { ["value"] = Numbers(docs, args) is { Count: > 0 } n ? n.Min() : null },
            "max" => new JsonObject { ["value"] = Numbers(docs, args) is { Count: > 0 } n ? n.Max() : null },
            "percentiles" => Percentiles(args, docs),
            _ => throw new NotSupportedException($"stand-in does not implement the [{kind}] aggregation"),
        };
    }

    /// <summary>
    /// Keyed <c>percentiles</c> (<c>values</c> keyed "95.0", null when empty). Exact here (linear interpolation
    /// between the closest ranks); Elasticsearch's t-digest approximates, and agrees for one distinct value per bucket.
    /// </summary>
    private static JsonObject Percentiles(JsonObject args, IReadOnlyList<JsonObject> docs)
    {
        var sorted = Numbers(docs, args).Order().ToList();
        var percents = args["percents"] is JsonArray list ? list.Select(p => p!.GetValue<double>()).ToList() : [1, 5, 25, 50, 75, 95, 99];
        var values = new JsonObject();
        foreach (var percent in percents)
        {
            double? value = null;
            if (sorted.Count > 0)
            {
                var rank = percent / 100 * (sorted.Count - 1);
                var low = (int)Math.Floor(rank);
                var high = (int)Math.Ceiling(rank);
                value = sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
            }

            values[percent.ToString("0.0", CultureInfo.InvariantCulture)] = value;
        }

        return new JsonObject { ["values"] = values };
    }

    private static string Field(JsonObject args) => args["field"]?.GetValue<string>() ?? throw new NotSupportedException("stand-in aggregations need a field (no scripts)");

    private static List<double> Numbers(IReadOnlyList<JsonObject> docs, JsonObject args) =>
        [.. docs.SelectMany(d => Values(d, Field(args))).Select(v => TryNumber(v, out var n) ? n : TryDate(v, out var t) ? t.ToUnixTimeMilliseconds() : double.NaN).Where(n => !double.IsNaN(n))];

    /// <summary>A bucket: optional key fields, <c>doc_count</c>, and the sub-aggregations over its documents.</summary>
    private static JsonObject Bucket(JsonObject? keyFields, List<JsonObject> docs, JsonObject? sub)
    {
        var bucket = keyFields ?? [];
        bucket["doc_count"] = docs.Count;
        if (sub is not null)
        {
            foreach (var (name, value) in Aggregate(sub, docs).ToList())
            {
                bucket[name] = value?.DeepClone();
            }
        }

        return bucket;
    }

    private static JsonObject Terms(JsonObject args, JsonObject? sub, IReadOnlyList<JsonObject> docs)
    {
        var field = Field(args);
        var size = args["size"]?.GetValue<int>() ?? 10;
        var minDocCount = args["min_doc_count"]?.GetValue<int>() ?? 1;
        var groups = new Dictionary<string, (JsonNode Key, List<JsonObject> Docs)>(StringComparer.Ordinal);
        foreach (var doc in docs)
        {
            foreach (var value in Values(doc, field).DistinctBy(v => v.ToJsonString()))
            {
                var id = value.ToJsonString();
                if (!groups.TryGetValue(id, out var group))
                {
                    group = (TermKey(value), []);
                    groups[id] = group;
                }

                group.Docs.Add(doc);
            }
        }

        var buckets = groups.Values
            .Where(g => g.Docs.Count >= minDocCount)
            .Select(g => Bucket(new JsonObject { ["key"] = g.Key.DeepClone() }, g.Docs, sub))
            .ToList();
        buckets.Sort(BucketOrder(args["order"]));
        var shown = buckets.Take(size).ToList();
        return new JsonObject
        {
            ["doc_count_error_upper_bound"] = 0,
            ["sum_other_doc_count"] = buckets.Skip(size).Sum(b => b["doc_count"]!.GetValue<int>()),
            ["buckets"] = new JsonArray([.. shown]),
        };
    }

    private static JsonNode TermKey(JsonNode value)
    {
        if (TryNumber(value, out var number))
        {
            return number == Math.Floor(number) && Math.Abs(number) < 1e15 ? JsonValue.Create((long)number) : JsonValue.Create(number);
        }

        return JsonValue.Create(Text(value));
    }

    /// <summary>Elasticsearch's default terms order is count desc with key asc as tie-break; explicit orders keep that tie-break.</summary>
    private static Comparison<JsonObject> BucketOrder(JsonNode? order)
    {
        var keys = new List<(string Path, bool Descending)>();
        foreach (var entry in order switch { null => [], JsonArray a => a.OfType<JsonObject>().ToList(), JsonObject o => [o], _ => [] })
        {
            foreach (var (path, direction) in entry)
            {
                keys.Add((path, direction?.GetValue<string>() == "desc"));
            }
        }

        if (keys.Count == 0)
        {
            keys.Add(("_count", true));
        }

        if (!keys.Any(k => k.Path == "_key"))
        {
            keys.Add(("_key", false));
        }

        return (l, r) =>
        {
            foreach (var (path, descending) in keys)
            {
                var cmp = CompareKeys(OrderValue(l, path), OrderValue(r, path));
                if (cmp != 0)
                {
                    return descending ? -cmp : cmp;
                }
            }

            return 0;
        };
    }

    private static JsonNode? OrderValue(JsonObject bucket, string path) => path switch
    {
        "_count" => bucket["doc_count"],
        "_key" => bucket["key"],
        // "agg.metric": a multi-value metric; for percentiles the metric is the percent ("metric.95" → values["95.0"]).
        _ => path.Split('.', 2) is [var agg, var metric]
            ? bucket[agg]?["values"] is JsonObject percentiles && double.TryParse(metric, CultureInfo.InvariantCulture, out var percent)
                ? percentiles[percent.ToString("0.0", CultureInfo.InvariantCulture)]
                : bucket[agg]?[metric]
            : bucket[path]?["value"],
    };

    private static int CompareKeys(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return (a is null ? 1 : 0) - (b is null ? 1 : 0);
        }

        return TryNumber(a, out var x) && TryNumber(b, out var y) ? x.CompareTo(y) : string.CompareOrdinal(Text(a), Text(b));
    }

    private static JsonObject Histogram(JsonObject args, JsonObject? sub, IReadOnlyList<JsonObject> docs)
    {
        var field = Field(args);
        var interval = args["interval"]!.GetValue<double>();
        var offset = args["offset"]?.GetValue<double>() ?? 0;
        var minDocCount = args["min_doc_count"]?.GetValue<int>() ?? 0;
        var groups = new SortedDictionary<double, List<JsonObject>>();
        foreach (var doc in docs)
        {
            foreach (var key in Values(doc, field).Where(v => TryNumber(v, out _)).Select(v => Math.Floor((v.GetValue<double>() - offset) / interval) * interval + offset).Distinct())
            {
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                }

                list.Add(doc);
            }
        }

        if (minDocCount == 0 && groups.Count > 0)
        {
            for (var k = groups.Keys.First(); k < groups.Keys.Last(); k += interval)
            {
                groups.TryAdd(k, []);
            }
        }

        return new JsonObject
        {
            ["buckets"] = new JsonArray([.. groups.Where(g => g.Value.Count >= minDocCount).Select(g => (JsonNode)Bucket(new JsonObject { ["key"] = g.Key }, g.Value, sub))]),
        };
    }

    private static JsonObject DateHistogram(JsonObject args, JsonObject? sub, IReadOnlyList<JsonObject> docs)
    {
        var field = Field(args);
        var zoneInfo = ParseZone(args["time_zone"]?.GetValue<string>());
        var minDocCount = args["min_doc_count"]?.GetValue<int>() ?? 0;
        Func<DateTimeOffset, DateTimeOffset> floor;
        Func<DateTimeOffset, DateTimeOffset> next;
        if ((args["calendar_interval"] ?? args["interval"]) is JsonNode calendar)
        {
            var unit = calendar.GetValue<string>().TrimStart('1');
            floor = t => CalendarFloor(t, unit, zoneInfo);
            next = t => unit switch
            {
                "m" or "minute" => t.AddMinutes(1),
                "h" or "hour" => t.AddHours(1),
                "d" or "day" => t.AddDays(1),
                "w" or "week" => t.AddDays(7),
                "M" or "month" => t.AddMonths(1),
                "q" or "quarter" => t.AddMonths(3),
                "y" or "year" => t.AddYears(1),
                _ => throw new NotSupportedException($"stand-in does not implement calendar_interval [{calendar}]"),
            };
        }
        else
        {
            var fixedText = args["fixed_interval"]?.GetValue<string>() ?? throw new NotSupportedException("date_histogram needs calendar_interval or fixed_interval");
            var step = FixedInterval(fixedText);
            floor = t => new DateTimeOffset(t.UtcTicks - ((t.UtcTicks + t.Offset.Ticks) % step.Ticks), TimeSpan.Zero).ToOffset(t.Offset);
            next = t => t + step;
        }

        var groups = new SortedDictionary<DateTimeOffset, List<JsonObject>>();
        foreach (var doc in docs)
        {
            foreach (var value in Values(doc, field))
            {
                if (!TryInstant(value, out var instant))
                {
                    continue;
                }

                var key = floor(TimeZoneInfo.ConvertTime(instant, zoneInfo));
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                }

                if (!list.Contains(doc))
                {
                    list.Add(doc);
                }
            }
        }

        if (minDocCount == 0 && groups.Count > 0)
        {
            for (var k = groups.Keys.First(); k < groups.Keys.Last(); k = next(k))
            {
                groups.TryAdd(k, []);
            }
        }

        return new JsonObject
        {
            ["buckets"] = new JsonArray([.. groups.Where(g => g.Value.Count >= minDocCount).Select(g => (JsonNode)Bucket(
                new JsonObject
                {
                    ["key_as_string"] = g.Key.Offset == TimeSpan.Zero
                        ? g.Key.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
                        : g.Key.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
                    ["key"] = g.Key.ToUnixTimeMilliseconds(),
                },
                g.Value,
                sub))]),
        };
    }

    private static bool TryInstant(JsonNode value, out DateTimeOffset instant)
    {
        if (TryNumber(value, out var millis))
        {
            instant = DateTimeOffset.FromUnixTimeMilliseconds((long)millis);
            return true;
        }

        return DateTimeOffset.TryParse(Text(value), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }

    /// <summary>UTC, a fixed offset, or an IANA zone (whose offset follows daylight saving time, as in Elasticsearch).</summary>
    private static TimeZoneInfo ParseZone(string? zone)
    {
        switch (zone)
        {
            case null or "UTC" or "Z" or "Etc/UTC" or "GMT":
                return TimeZoneInfo.Utc;
            case { } when zone[0] is '+' or '-':
                var offset = (zone[0] == '-' ? -1 : 1) * TimeSpan.ParseExact(zone[1..], ["hh\\:mm", "hhmm", "hh"], CultureInfo.InvariantCulture);
                return TimeZoneInfo.CreateCustomTimeZone(zone, offset, zone, zone);
            default:
                try
                {
                    return TimeZoneInfo.FindSystemTimeZoneById(zone);
                }
                catch (TimeZoneNotFoundException)
                {
                    // Elasticsearch answers 400 for an unknown zone; the stand-in refuses loudly.
                    throw new NotSupportedException($"unknown time_zone [{zone}]");
                }
        }
    }

    /// <summary>Floors the wall-clock time in <paramref name="zone"/>; the bucket starts at that local time's offset.</summary>
    private static DateTimeOffset CalendarFloor(DateTimeOffset t, string unit, TimeZoneInfo zone)
    {
        var local = t.DateTime; // wall-clock time in the requested zone
        var floored = unit switch
        {
            "m" or "minute" => new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified),
            "h" or "hour" => new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0, DateTimeKind.Unspecified),
            "d" or "day" => local.Date,
            "w" or "week" => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)), // ISO weeks start on Monday
            "M" or "month" => new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified),
            "q" or "quarter" => new DateTime(local.Year, ((local.Month - 1) / 3 * 3) + 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
            "y" or "year" => new DateTime(local.Year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
            _ => throw new NotSupportedException($"stand-in does not implement calendar_interval [{unit}]"),
        };
        return new DateTimeOffset(floored, zone.IsInvalidTime(floored) ? t.Offset : zone.GetUtcOffset(floored));
    }

    private static TimeSpan FixedInterval(string text)
    {
        var unit = text.TrimStart("0123456789".ToCharArray());
        var amount = long.Parse(text[..^unit.Length], CultureInfo.InvariantCulture);
        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => throw new NotSupportedException($"stand-in does not implement fixed_interval [{text}]"),
        };
    }

    private static JsonObject RangeAgg(JsonObject args, JsonObject? sub, IReadOnlyList<JsonObject> docs)
    {
        var field = Field(args);
        var buckets = new JsonArray();
        foreach (var range in args["ranges"]!.AsArray().OfType<JsonObject>())
        {
            double? from = range["from"]?.GetValue<double>();
            double? to = range["to"]?.GetValue<double>();
            var key = range["key"]?.GetValue<string>()
                ?? $"{(from is null ? "*" : from.Value.ToString("0.0##", CultureInfo.InvariantCulture))}-{(to is null ? "*" : to.Value.ToString("0.0##", CultureInfo.InvariantCulture))}";
            var inRange = docs.Where(d => Values(d, field).Any(v => TryNumber(v, out var n) && (from is null || n >= from) && (to is null || n < to))).ToList();
            var keyFields = new JsonObject { ["key"] = key };
            if (from is not null)
            {
                keyFields["from"] = from;
            }

            if (to is not null)
            {
                keyFields["to"] = to;
            }

            buckets.Add(Bucket(keyFields, inRange, sub));
        }

        return new JsonObject { ["buckets"] = buckets };
    }

    private static JsonObject FiltersAgg(JsonObject args, JsonObject? sub, IReadOnlyList<JsonObject> docs)
    {
        switch (args["filters"])
        {
            case JsonObject named:
                var keyed = new JsonObject();
                foreach (var (name, query) in named)
                {
                    keyed[name] = Bucket(null, docs.Where(d => Evaluate(query!.AsObject(), string.Empty, d)).ToList(), sub);
                }

                return new JsonObject { ["buckets"] = keyed };
            case JsonArray anonymous:
                return new JsonObject
                {
                    ["buckets"] = new JsonArray([.. anonymous.Select(q => (JsonNode)Bucket(null, docs.Where(d => Evaluate(q!.AsObject(), string.Empty, d)).ToList(), sub))]),
                };
            default:
                throw new NotSupportedException("filters aggregation needs an object or array of queries");
        }
    }
}
