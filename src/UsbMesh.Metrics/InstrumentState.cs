using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace UsbMesh.Metrics;

/// <summary>
/// One instrument's series by label set, with at most a fixed number of label sets: measurements with further label
/// sets are added to one overflow series (<c>overflow="true"</c>), so that a label fed from unbounded input (a
/// device id, an error text) cannot make the node's memory or its scrapes grow without end.
/// </summary>
internal sealed class InstrumentState
{
    private readonly ConcurrentDictionary<LabelSet, MetricSeries> _series = new(LabelSetComparer.Instance);
    private readonly ConcurrentDictionary<LabelSet, MetricSeries>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
    private readonly int _maxSeries;
    private readonly IReadOnlyList<double> _bounds;
    private readonly bool _cumulative;

    public InstrumentState(Instrument instrument, int maxSeries, IReadOnlyList<double> defaultBounds)
    {
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
        _maxSeries = maxSeries;
        Kind = KindOf(instrument);
        _bounds = BucketBounds(instrument) ?? defaultBounds;
        Name = PrometheusNames.Metric(instrument.Name, instrument.Unit, Kind == InstrumentKind.Counter);
        Help = instrument.Description;
        IsObservable = instrument.IsObservable;
        _cumulative = !instrument.IsObservable && Kind != InstrumentKind.Histogram && IsOf(instrument, typeof(Counter<>), typeof(UpDownCounter<>));
    }

    /// <summary>The family's name in the text format.</summary>
    public string Name { get; }

    public string? Help { get; }

    public InstrumentKind Kind { get; }

    /// <summary>Observed instruments report their whole state at each collection; what was not observed is gone.</summary>
    public bool IsObservable { get; }

    public IEnumerable<KeyValuePair<LabelSet, MetricSeries>> Series => _series;

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_lookup.TryGetValue(tags, out var series))
        {
            var labels = _series.Count < _maxSeries ? LabelSet.FromTags(tags) : LabelSet.Overflow;
            series = _series.GetOrAdd(labels, _ => NewSeries());
        }

        series.Record(value);
    }

    /// <summary>Forgets the series of an observed instrument before it is observed again.</summary>
    public void Clear() => _series.Clear();

    private MetricSeries NewSeries() => Kind == InstrumentKind.Histogram
        ? new HistogramSeries(_bounds)
        : new ScalarSeries(_cumulative);

    private static InstrumentKind KindOf(Instrument instrument) =>
        IsOf(instrument, typeof(Counter<>), typeof(ObservableCounter<>)) ? InstrumentKind.Counter
        : IsOf(instrument, typeof(Histogram<>)) ? InstrumentKind.Histogram
        : InstrumentKind.Gauge;

    private static bool IsOf(Instrument instrument, params Type[] definitions) =>
        instrument.GetType() is { IsGenericType: true } type && definitions.Contains(type.GetGenericTypeDefinition());

    /// <summary>The bucket bounds the instrument's code advised (<see cref="InstrumentAdvice{T}"/>), sorted, if any.</summary>
    private static double[]? BucketBounds(Instrument instrument) => instrument switch
    {
        Histogram<double> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => Sorted(b.Select(x => x)),
        Histogram<float> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => Sorted(b.Select(x => (double)x)),
        Histogram<long> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => Sorted(b.Select(x => (double)x)),
        Histogram<int> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => Sorted(b.Select(x => (double)x)),
        _ => null,
    };

    private static double[] Sorted(IEnumerable<double> bounds) => [.. bounds.Where(double.IsFinite).Distinct().Order()];
}

/// <summary>How an instrument is written: <c>counter</c>, <c>gauge</c> (up-down counters and gauges) or <c>histogram</c>.</summary>
internal enum InstrumentKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>Compares label sets, and looks them up by a measurement's tags without making a label set first.</summary>
internal sealed class LabelSetComparer : IEqualityComparer<LabelSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, LabelSet>
{
    public static readonly LabelSetComparer Instance = new();

    public bool Equals(LabelSet? x, LabelSet? y) => x is null ? y is null : x.Equals(y);

    public int GetHashCode(LabelSet obj) => obj.GetHashCode();

    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, LabelSet other) => other.Matches(alternate);

    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => LabelSet.HashOf(alternate);

    public LabelSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => LabelSet.FromTags(alternate);
}
