using System.Diagnostics.Metrics;

namespace UsbMesh.Metrics.Tests;

/// <summary>
/// The exporter fed by real instruments, its output read back by the strict parser. Each spec has a meter name of its
/// own, so specs running at once do not see each other's measurements.
/// </summary>
public sealed class PrometheusExporterSpec : IDisposable
{
    private readonly string _meterName = $"UsbMesh.Spec.{Guid.NewGuid():N}";
    private readonly Meter _meter;
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterSpec()
    {
        _meter = new Meter(_meterName);
        _exporter = new PrometheusExporter(new PrometheusExporterOptions { MeterName = _meterName, MaxSeriesPerInstrument = 4 });
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    private IReadOnlyDictionary<string, PrometheusFamily> Scrape() => PrometheusTextParser.Parse(_exporter.Render());

    [Fact]
    public void Counters_add_up_per_label_set_and_end_in_total_with_their_unit()
    {
        var urbs = _meter.CreateCounter<long>("usbmesh.urbs", "{urb}", "URBs completed.");
        var bytes = _meter.CreateCounter<long>("usbmesh.urb.bytes", "By", "Bytes moved by URBs.");
        urbs.Add(1, new("device", "100-1"), new("direction", "in"));
        urbs.Add(2, new("direction", "in"), new("device", "100-1"));
        urbs.Add(5, new("device", "100-1"), new("direction", "out"));
        bytes.Add(512, new KeyValuePair<string, object?>("device", "100-1"));

        var families = Scrape();

        var family = families["usbmesh_urbs_total"];
        Assert.Equal(("counter", "URBs completed."), (family.Type, family.Help));
        Assert.Equal(2, family.Samples.Count);
        Assert.Equal(3, family.Samples.Single(s => s.Has(("direction", "in"))).Value);
        Assert.Equal(5, family.Samples.Single(s => s.Has(("direction", "out"))).Value);
        Assert.Equal(512, families["usbmesh_urb_bytes_total"].Samples.Single().Value);
    }

    [Fact]
    public void Up_down_counters_and_observed_gauges_are_gauges()
    {
        var sessions = _meter.CreateUpDownCounter<int>("usbmesh.sessions", null, "Device sessions.");
        sessions.Add(1, new KeyValuePair<string, object?>("role", "export"));
        sessions.Add(1, new KeyValuePair<string, object?>("role", "export"));
        sessions.Add(-1, new KeyValuePair<string, object?>("role", "export"));
        var level = 7.5;
        _meter.CreateObservableGauge("usbmesh.queue", () => new Measurement<double>(level, new KeyValuePair<string, object?>("peer", "hub")), "By", "Queued bytes.");

        var first = Scrape();
        level = 2;
        var second = Scrape();

        Assert.Equal(("gauge", 1.0), (first["usbmesh_sessions"].Type, first["usbmesh_sessions"].Samples.Single().Value));
        Assert.Equal(("gauge", 7.5), (first["usbmesh_queue_bytes"].Type, first["usbmesh_queue_bytes"].Samples.Single().Value));
        Assert.Equal(2, second["usbmesh_queue_bytes"].Samples.Single().Value);
    }

    [Fact]
    public void Histograms_count_into_the_advised_buckets_cumulatively_with_sum_and_count()
    {
        var latency = _meter.CreateHistogram("usbmesh.urb.duration", "s", "URB round trips.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.1] });
        foreach (var value in new[] { 0.0005, 0.001, 0.002, 0.05, 0.05, 3 })
        {
            latency.Record(value, new KeyValuePair<string, object?>("device", "100-1"));
        }

        var family = Scrape()["usbmesh_urb_duration_seconds"];

        Assert.Equal("histogram", family.Type);
        var buckets = family.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => (s.Labels["le"], s.Value));
        Assert.Equal([("0.001", 2.0), ("0.01", 3.0), ("0.1", 5.0), ("+Inf", 6.0)], buckets);
        Assert.Equal(6, family.Samples.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value);
        Assert.Equal(3.1035, family.Samples.Single(s => s.Name.EndsWith("_sum", StringComparison.Ordinal)).Value, 9);
    }

    [Fact]
    public void Histograms_without_advice_get_the_default_buckets()
    {
        _meter.CreateHistogram<double>("rtt", "s").Record(0.02);

        var family = Scrape()["rtt_seconds"];

        Assert.Equal(new PrometheusExporterOptions().DefaultBuckets.Count + 1, family.Samples.Count(s => s.Name == "rtt_seconds_bucket"));
    }

    [Fact]
    public void Label_values_and_help_texts_are_escaped()
    {
        var text = "back\\slash \"quoted\"\nnew line";
        _meter.CreateCounter<long>("odd", null, "Help with a \\ and a\nline feed.").Add(1, new KeyValuePair<string, object?>("what", text));

        var rendered = _exporter.Render();
        var family = PrometheusTextParser.Parse(rendered)["odd_total"];

        Assert.Contains("# HELP odd_total Help with a \\\\ and a\\nline feed.\n", rendered);
        Assert.Equal("Help with a \\ and a\nline feed.", family.Help);
        Assert.Equal(text, family.Samples.Single().Labels["what"]);
    }

    [Fact]
    public void Names_and_label_names_are_made_valid()
    {
        _meter.CreateCounter<long>("9lives.per-node", null).Add(1, new KeyValuePair<string, object?>("peer.id", 42), new KeyValuePair<string, object?>("2nd", "x"));

        var family = Scrape()["_9lives_per_node_total"];

        Assert.Equal("42", family.Samples.Single().Labels["peer_id"]);
        Assert.Equal("x", family.Samples.Single().Labels["_2nd"]);
    }

    [Fact]
    public void Label_sets_beyond_the_limit_are_folded_into_one_overflow_series()
    {
        var counter = _meter.CreateCounter<long>("flood");
        for (var i = 0; i < 10; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }

        var samples = Scrape()["flood_total"].Samples;

        Assert.Equal(5, samples.Count);
        Assert.Equal(6, samples.Single(s => s.Has(("overflow", "true"))).Value);
        Assert.Equal(10, samples.Sum(s => s.Value));
    }

    [Fact]
    public void Only_the_named_meter_is_collected_and_a_disposed_meter_leaves()
    {
        using var other = new Meter($"{_meterName}.other");
        other.CreateCounter<long>("elsewhere").Add(1);
        var leaving = new Meter(_meterName);
        leaving.CreateCounter<long>("leaving").Add(1);
        _meter.CreateCounter<long>("staying").Add(1);

        var before = Scrape();
        leaving.Dispose();
        var after = Scrape();

        Assert.DoesNotContain("elsewhere_total", before.Keys);
        Assert.Contains("leaving_total", before.Keys);
        Assert.DoesNotContain("leaving_total", after.Keys);
        Assert.Contains("staying_total", after.Keys);
    }

    [Fact]
    public void The_same_instrument_of_two_meters_is_one_family()
    {
        using var second = new Meter(_meterName);
        _meter.CreateUpDownCounter<int>("usbmesh.sessions").Add(1, new KeyValuePair<string, object?>("role", "import"));
        second.CreateUpDownCounter<int>("usbmesh.sessions").Add(2, new KeyValuePair<string, object?>("role", "import"));

        var rendered = _exporter.Render();

        Assert.Single(PrometheusTextParser.Parse(rendered)["usbmesh_sessions"].Samples, s => s.Value == 3);
        Assert.Single(rendered.Split('\n'), l => l == "# TYPE usbmesh_sessions gauge");
    }

    [Fact]
    public void Measurements_from_many_threads_are_all_counted()
    {
        var counter = _meter.CreateCounter<long>("busy");
        var histogram = _meter.CreateHistogram<double>("busy.duration", "s");
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("lane", "bulk"));
                histogram.Record(0.001, new KeyValuePair<string, object?>("lane", "bulk"));
            }
        });

        var families = Scrape();

        Assert.Equal(80_000, families["busy_total"].Samples.Single().Value);
        Assert.Equal(80_000, families["busy_duration_seconds"].Samples.Single(s => s.Name == "busy_duration_seconds_count").Value);
    }
}
