using System.Globalization;
using System.Text;

namespace LogPipeline.Hosting.Metrics;

/// <summary>
/// A small Prometheus registry: counters, gauges and histograms rendered in the text exposition format.
/// Instruments are created once at start-up (registration takes a lock); updates are lock-free
/// (Interlocked) and may come from any thread; rendering reads a consistent-enough snapshot.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly Lock _gate = new();
    private readonly List<IMetric> _metrics = [];

    public Counter Counter(string name, string help, params (string Name, string Value)[] labels)
        => Register(new Counter(name, help, labels));

    public Gauge Gauge(string name, string help, params (string Name, string Value)[] labels)
        => Register(new Gauge(name, help, labels));

    /// <summary>A gauge whose value is read from <paramref name="read"/> at scrape time.</summary>
    public void GaugeCallback(string name, string help, Func<double> read, params (string Name, string Value)[] labels)
        => Register(new CallbackMetric(name, help, "gauge", read, labels));

    /// <summary>A counter kept by someone else (the runtime, the kernel), read at scrape time.</summary>
    public void CounterCallback(string name, string help, Func<double> read, params (string Name, string Value)[] labels)
        => Register(new CallbackMetric(name, help, "counter", read, labels));

    public Histogram Histogram(string name, string help, double[] buckets)
        => Register(new Histogram(name, help, buckets));

    public string Render()
    {
        var sb = new StringBuilder(4096);
        IMetric[] snapshot;
        lock (_gate)
        {
            snapshot = [.. _metrics];
        }

        string? lastFamily = null;
        foreach (var metric in snapshot)
        {
            if (metric.Name != lastFamily)
            {
                sb.Append("# HELP ").Append(metric.Name).Append(' ').Append(metric.Help).Append('\n');
                sb.Append("# TYPE ").Append(metric.Name).Append(' ').Append(metric.Type).Append('\n');
                lastFamily = metric.Name;
            }

            metric.Write(sb);
        }

        return sb.ToString();
    }

    private T Register<T>(T metric)
        where T : IMetric
    {
        lock (_gate)
        {
            // Keep one family's series together: the exposition format wants HELP/TYPE once per family.
            var index = _metrics.FindLastIndex(m => m.Name == metric.Name);
            if (index >= 0)
            {
                _metrics.Insert(index + 1, metric);
            }
            else
            {
                _metrics.Add(metric);
            }
        }

        return metric;
    }

    internal static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string FormatLabels((string Name, string Value)[] labels)
    {
        if (labels.Length == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("{");
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(labels[i].Name).Append("=\"")
              .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal)
                  .Replace("\"", "\\\"", StringComparison.Ordinal)
                  .Replace("\n", "\\n", StringComparison.Ordinal))
              .Append('"');
        }

        return sb.Append('}').ToString();
    }
}

internal interface IMetric
{
    string Name { get; }

    string Help { get; }

    string Type { get; }

    void Write(StringBuilder sb);
}

/// <summary>A monotonically increasing count.</summary>
public sealed class Counter : IMetric
{
    private readonly string _labels;
    private long _value;

    internal Counter(string name, string help, (string Name, string Value)[] labels)
    {
        Name = name;
        Help = help;
        _labels = MetricsRegistry.FormatLabels(labels);
    }

    public string Name { get; }

    public string Help { get; }

    public string Type => "counter";

    public long Value => Interlocked.Read(ref _value);

    public void Increment(long by = 1) => Interlocked.Add(ref _value, by);

    void IMetric.Write(StringBuilder sb) =>
        sb.Append(Name).Append(_labels).Append(' ').Append(Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}

/// <summary>A value that goes up and down.</summary>
public sealed class Gauge : IMetric
{
    private readonly string _labels;
    private long _value;

    internal Gauge(string name, string help, (string Name, string Value)[] labels)
    {
        Name = name;
        Help = help;
        _labels = MetricsRegistry.FormatLabels(labels);
    }

    public string Name { get; }

    public string Help { get; }

    public string Type => "gauge";

    public long Value => Interlocked.Read(ref _value);

    public void Set(long value) => Interlocked.Exchange(ref _value, value);

    public void Add(long by) => Interlocked.Add(ref _value, by);

    void IMetric.Write(StringBuilder sb) =>
        sb.Append(Name).Append(_labels).Append(' ').Append(Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}

internal sealed class CallbackMetric(string name, string help, string type, Func<double> read, (string Name, string Value)[] labels) : IMetric
{
    private readonly string _labels = MetricsRegistry.FormatLabels(labels);

    public string Name { get; } = name;

    public string Help { get; } = help;

    public string Type { get; } = type;

    public void Write(StringBuilder sb) =>
        sb.Append(Name).Append(_labels).Append(' ').Append(MetricsRegistry.FormatValue(read())).Append('\n');
}

/// <summary>A cumulative histogram (observations in seconds or bytes, as the name says).</summary>
public sealed class Histogram : IMetric
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumMicros;

    internal Histogram(string name, string help, double[] buckets)
    {
        Name = name;
        Help = help;
        _bounds = [.. buckets.Order()];
        _counts = new long[_bounds.Length];
    }

    public string Name { get; }

    public string Help { get; }

    public string Type => "histogram";

    public long Count => Interlocked.Read(ref _count);

    public void Observe(double value)
    {
        for (var i = 0; i < _bounds.Length; i++)
        {
            if (value <= _bounds[i])
            {
                Interlocked.Increment(ref _counts[i]);
                break;
            }
        }

        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, (long)(value * 1_000_000));
    }

    void IMetric.Write(StringBuilder sb)
    {
        long cumulative = 0;
        for (var i = 0; i < _bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            sb.Append(Name).Append("_bucket{le=\"").Append(MetricsRegistry.FormatValue(_bounds[i])).Append("\"} ")
              .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var count = Count;
        sb.Append(Name).Append("_bucket{le=\"+Inf\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(Name).Append("_sum ").Append(MetricsRegistry.FormatValue(Interlocked.Read(ref _sumMicros) / 1_000_000d)).Append('\n');
        sb.Append(Name).Append("_count ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
