using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace UsbMesh.Metrics;

/// <summary>
/// Listens to the node's meters (System.Diagnostics.Metrics) and renders what they measured in the Prometheus text
/// exposition format. Every instrument of a meter named <see cref="PrometheusExporterOptions.MeterName"/> is
/// collected from the moment the exporter exists: counters and up-down counters add up, histograms count into fixed
/// buckets, observed instruments are read at each <see cref="Render"/>.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly PrometheusExporterOptions _options;
    private readonly Lock _render = new();

    public PrometheusExporter(PrometheusExporterOptions? options = null)
    {
        _options = options ?? new PrometheusExporterOptions();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == _options.MeterName)
            {
                var state = _instruments.GetOrAdd(instrument, i => new InstrumentState(i, _options.MaxSeriesPerInstrument, _options.DefaultBuckets));
                listener.EnableMeasurementEvents(instrument, state);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) => _instruments.TryRemove(instrument, out var _);
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>The media type of what <see cref="Render"/> returns.</summary>
    public static string ContentType => PrometheusText.ContentType;

    /// <summary>Everything measured so far, in the Prometheus text format (version 0.0.4).</summary>
    public string Render()
    {
        lock (_render)
        {
            foreach (var state in _instruments.Values.Where(s => s.IsObservable))
            {
                state.Clear();
            }

            _listener.RecordObservableInstruments();
            var text = new PrometheusText();
            // Instruments of one name (the same instrument declared by several meters of the name) are one family:
            // their series are merged, and an instrument of another kind under a taken name is left out.
            foreach (var family in _instruments.Values.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = family.First();
                var members = family.Where(s => s.Kind == first.Kind).ToList();
                text.Family(first.Name, first.Kind switch
                {
                    InstrumentKind.Counter => "counter",
                    InstrumentKind.Histogram => "histogram",
                    _ => "gauge",
                }, first.Help);
                if (first.Kind == InstrumentKind.Histogram)
                {
                    WriteHistograms(text, first.Name, members);
                }
                else
                {
                    WriteScalars(text, first.Name, members);
                }
            }

            return text.ToString();
        }
    }

    private static void WriteScalars(PrometheusText text, string name, List<InstrumentState> members)
    {
        var merged = new Dictionary<LabelSet, double>();
        foreach (var (labels, series) in members.SelectMany(m => m.Series))
        {
            merged[labels] = merged.GetValueOrDefault(labels) + ((ScalarSeries)series).Value;
        }

        foreach (var (labels, value) in merged.OrderBy(p => p.Key, LabelOrder.Instance))
        {
            text.Sample(name, labels, value);
        }
    }

    private static void WriteHistograms(PrometheusText text, string name, List<InstrumentState> members)
    {
        var merged = new Dictionary<LabelSet, (IReadOnlyList<double> Bounds, long[] Counts, double Sum, long Count)>();
        foreach (var (labels, series) in members.SelectMany(m => m.Series))
        {
            var histogram = (HistogramSeries)series;
            var (counts, sum, count) = histogram.Snapshot();
            if (merged.TryGetValue(labels, out var seen))
            {
                // The same instrument from two meters has the same advised buckets; other bounds cannot be added up.
                if (!seen.Bounds.SequenceEqual(histogram.Bounds))
                {
                    continue;
                }

                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] += seen.Counts[i];
                }

                sum += seen.Sum;
                count += seen.Count;
            }

            merged[labels] = (histogram.Bounds, counts, sum, count);
        }

        foreach (var (labels, (bounds, counts, sum, count)) in merged.OrderBy(p => p.Key, LabelOrder.Instance))
        {
            var cumulative = 0L;
            for (var i = 0; i < bounds.Count; i++)
            {
                cumulative += counts[i];
                text.Sample($"{name}_bucket", labels, cumulative, new("le", PrometheusText.Number(bounds[i])));
            }

            text.Sample($"{name}_bucket", labels, count, new("le", "+Inf"));
            text.Sample($"{name}_sum", labels, sum);
            text.Sample($"{name}_count", labels, count);
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>Series in a stable order, so that successive scrapes read alike.</summary>
    private sealed class LabelOrder : IComparer<LabelSet>
    {
        public static readonly LabelOrder Instance = new();

        public int Compare(LabelSet? x, LabelSet? y)
        {
            var a = x!.Labels;
            var b = y!.Labels;
            for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
            {
                var order = string.CompareOrdinal(a[i].Key, b[i].Key);
                if (order == 0)
                {
                    order = string.CompareOrdinal(a[i].Value, b[i].Value);
                }

                if (order != 0)
                {
                    return order;
                }
            }

            return a.Count.CompareTo(b.Count);
        }
    }
}
