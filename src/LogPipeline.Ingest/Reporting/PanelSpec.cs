using System.Globalization;
using System.Text.Json.Nodes;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// One dashboard panel, described once: the Kibana Lens object and the Elasticsearch aggregation body the
/// report sends are both derived from it, so the dashboard and the report cannot show different numbers.
/// </summary>
/// <param name="Id">Stable id; the Lens saved object is <c>logpipeline-nginx-&lt;Id&gt;</c>.</param>
/// <param name="Title">Panel title in Kibana and heading in the report.</param>
/// <param name="Chart">How Kibana draws it.</param>
/// <param name="Metric">The value per bucket (and the order of terms buckets).</param>
/// <param name="Split">The bucket axis (null = one number for the whole range).</param>
/// <param name="Breakdown">A second bucket level, e.g. status class inside each hour (stacked bars).</param>
/// <param name="Filter">Restricts the documents (e.g. status 404 only).</param>
/// <param name="Layout">Where the panel sits on the 48-column dashboard grid.</param>
/// <param name="InReport">Whether the text report prints it (time series and the region map are Kibana-only).</param>
/// <param name="Description">Shown under the title in Kibana; says e.g. that the region map needs EMS.</param>
public sealed record PanelSpec(
    string Id,
    string Title,
    ChartKind Chart,
    PanelMetric Metric,
    PanelBucket? Split,
    PanelBucket? Breakdown,
    PanelFilter? Filter,
    GridRect Layout,
    bool InReport,
    string Description = "")
{
    /// <summary>Further values shown beside <see cref="Metric"/> (e.g. requests beside visitors), in column order.</summary>
    public IReadOnlyList<PanelMetric> Also { get; init; } = [];

    /// <summary>
    /// The panel ignores the dashboard's filters, query and controls (Lens layer <c>ignoreGlobalFilters</c>); the
    /// report does not apply its filters either. Used by the bot section, which the default "human" control would empty.
    /// </summary>
    public bool IgnoreDashboardFilters { get; init; }

    /// <summary>
    /// A window of its own instead of the dashboard's range: in Kibana the per-panel time range now-&lt;window&gt; … now
    /// (the time picker does not change it), in the report the window before <c>--to</c>; null = the range.
    /// </summary>
    public TimeSpan? RecentWindow { get; init; }

    /// <summary>Every metric of the panel, <see cref="Metric"/> first.</summary>
    public IEnumerable<PanelMetric> Metrics => [Metric, .. Also];
}

/// <summary>The Lens visualization a panel uses.</summary>
public enum ChartKind
{
    /// <summary><c>lnsDatatable</c>.</summary>
    Table,

    /// <summary><c>lnsPie</c> (donut).</summary>
    Donut,

    /// <summary><c>lnsXY</c> vertical bars.</summary>
    Bars,

    /// <summary><c>lnsXY</c> horizontal bars.</summary>
    HorizontalBars,

    /// <summary><c>lnsXY</c> stacked vertical bars split by <see cref="PanelSpec.Breakdown"/>.</summary>
    StackedBars,

    /// <summary><c>lnsXY</c> line.</summary>
    Line,

    /// <summary><c>lnsMetric</c>: one big number.</summary>
    Metric,

    /// <summary><c>lnsChoropleth</c> on the EMS world countries layer (needs Elastic Maps Service).</summary>
    RegionMap,
}

/// <summary>What a bucket (or the whole range) is measured by.</summary>
public enum MetricKind
{
    /// <summary>Document count (Lens <c>count</c>; Elasticsearch <c>doc_count</c>).</summary>
    Count,

    /// <summary>Distinct values (Lens <c>unique_count</c>; Elasticsearch <c>cardinality</c>).</summary>
    UniqueCount,

    /// <summary>Sum of a numeric field (Lens and Elasticsearch <c>sum</c>).</summary>
    Sum,

    /// <summary>A percentile of a numeric field (Lens <c>percentile</c>; Elasticsearch <c>percentiles</c>).</summary>
    Percentile,

    /// <summary>
    /// Share of the documents that match <see cref="PanelMetric.Where"/> (Lens formula
    /// <c>count(kql='…') / count()</c>; Elasticsearch a <c>filter</c> aggregation's doc_count over the total).
    /// </summary>
    Share,
}

/// <summary>How a value is formatted in Kibana (Lens column <c>params.format</c>) and in the report.</summary>
public enum ValueFormat
{
    Number,
    Bytes,
    Percent,

    /// <summary>A duration in nanoseconds (ECS <c>event.duration</c>); the report prints milliseconds.</summary>
    Nanoseconds,
}

/// <param name="Kind">The operation.</param>
/// <param name="Field">The field, null for <see cref="MetricKind.Count"/> and <see cref="MetricKind.Share"/>.</param>
/// <param name="Label">Column label.</param>
public sealed record PanelMetric(MetricKind Kind, string? Field, string Label)
{
    public static PanelMetric Requests { get; } = new(MetricKind.Count, null, "Requests");

    public ValueFormat Format { get; init; } = ValueFormat.Number;

    /// <summary>For <see cref="MetricKind.Percentile"/>: 50, 95, 99 …</summary>
    public int Percentile { get; init; }

    /// <summary>For <see cref="MetricKind.Share"/>: the documents counted in the numerator.</summary>
    public PanelFilter? Where { get; init; }

    /// <summary>Normalised to a per-minute rate (Lens <c>timeScale: "m"</c>); only on time series, never in the report.</summary>
    public bool PerMinute { get; init; }
}

/// <summary>A bucket aggregation over one field.</summary>
public abstract record PanelBucket(string Field, string Label);

/// <summary>Top values (Lens <c>terms</c>; Elasticsearch <c>terms</c>).</summary>
/// <param name="Size">How many values.</param>
/// <param name="OrderByKey">Ascending by value (e.g. hours 0–23) instead of descending by the metric.</param>
/// <param name="DenseRange">For small integer fields: every key in this inclusive range is shown, zero when absent.</param>
public sealed record TermsBucket(string Field, string Label, int Size, bool OrderByKey = false, (int Min, int Max)? DenseRange = null)
    : PanelBucket(Field, Label);

/// <summary>Time buckets (Lens <c>date_histogram</c>; Elasticsearch <c>date_histogram</c> with a calendar interval).</summary>
/// <param name="Interval">
/// Calendar interval <c>1h</c> or <c>1d</c>, or <c>auto</c>: Kibana picks it from the time range (the report does not
/// print auto-interval panels).
/// </param>
public sealed record DateHistogramBucket(string Field, string Label, string Interval) : PanelBucket(Field, Label)
{
    public const string Auto = "auto";
}

/// <summary>Named numeric ranges (Lens <c>range</c>; Elasticsearch <c>range</c>), <c>From</c> inclusive, <c>To</c> exclusive.</summary>
public sealed record RangeBucket(string Field, string Label, IReadOnlyList<NamedRange> Ranges) : PanelBucket(Field, Label);

/// <summary>One range of a <see cref="RangeBucket"/>.</summary>
public sealed record NamedRange(string Key, long From, long To);

/// <summary>A condition on the documents, written once as KQL (Lens) and as an Elasticsearch query (report).</summary>
public abstract record PanelFilter(string Field)
{
    /// <summary>The condition in KQL, as the Lens panel stores it.</summary>
    public abstract string Kql { get; }

    /// <summary>The same condition as an Elasticsearch query clause.</summary>
    public abstract JsonObject Query();
}

/// <summary>Only documents whose <paramref name="Field"/> equals <paramref name="Value"/> (a number).</summary>
public sealed record TermFilter(string Field, long Value) : PanelFilter(Field)
{
    public override string Kql => $"{Field} : {Value.ToString(CultureInfo.InvariantCulture)}";

    public override JsonObject Query() => new() { ["term"] = new JsonObject { [Field] = Value } };
}

/// <summary>Only documents whose keyword <paramref name="Field"/> equals <paramref name="Value"/>.</summary>
public sealed record KeywordFilter(string Field, string Value) : PanelFilter(Field)
{
    public override string Kql => $"{Field} : \"{Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    public override JsonObject Query() => new() { ["term"] = new JsonObject { [Field] = Value } };
}

/// <summary>Only documents whose numeric <paramref name="Field"/> is at least <paramref name="Min"/>.</summary>
public sealed record AtLeastFilter(string Field, long Min) : PanelFilter(Field)
{
    public override string Kql => $"{Field} >= {Min.ToString(CultureInfo.InvariantCulture)}";

    public override JsonObject Query() => new() { ["range"] = new JsonObject { [Field] = new JsonObject { ["gte"] = Min } } };
}

/// <summary>Dashboard grid position (Kibana's grid is 48 columns wide).</summary>
public readonly record struct GridRect(int X, int Y, int W, int H);
