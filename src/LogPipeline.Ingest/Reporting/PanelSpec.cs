namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// One dashboard panel, described once: the Kibana Lens object and the Elasticsearch aggregation body the
/// report sends are both derived from it, so the dashboard and the report cannot show different numbers.
/// </summary>
/// <param name="Id">Stable id; the Lens saved object is <c>logpipeline-nginx-&lt;Id&gt;</c>.</param>
/// <param name="Title">Panel title in Kibana and heading in the report.</param>
/// <param name="Chart">How Kibana draws it.</param>
/// <param name="Metric">The value per bucket.</param>
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
    TermFilter? Filter,
    GridRect Layout,
    bool InReport,
    string Description = "");

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
}

/// <param name="Kind">The operation.</param>
/// <param name="Field">The field, null for <see cref="MetricKind.Count"/>.</param>
/// <param name="Label">Column label.</param>
public sealed record PanelMetric(MetricKind Kind, string? Field, string Label)
{
    public static PanelMetric Requests { get; } = new(MetricKind.Count, null, "Requests");
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
/// <param name="Interval">Calendar interval: <c>1h</c> or <c>1d</c>.</param>
public sealed record DateHistogramBucket(string Field, string Label, string Interval) : PanelBucket(Field, Label);

/// <summary>Named numeric ranges (Lens <c>range</c>; Elasticsearch <c>range</c>), <c>From</c> inclusive, <c>To</c> exclusive.</summary>
public sealed record RangeBucket(string Field, string Label, IReadOnlyList<NamedRange> Ranges) : PanelBucket(Field, Label);

/// <summary>One range of a <see cref="RangeBucket"/>.</summary>
public sealed record NamedRange(string Key, long From, long To);

/// <summary>Only documents whose <paramref name="Field"/> equals <paramref name="Value"/> (a number).</summary>
public sealed record TermFilter(string Field, long Value)
{
    /// <summary>The same condition in KQL, as the Lens panel stores it.</summary>
    public string Kql => $"{Field} : {Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>Dashboard grid position (Kibana's grid is 48 columns wide).</summary>
public readonly record struct GridRect(int X, int Y, int W, int H);
