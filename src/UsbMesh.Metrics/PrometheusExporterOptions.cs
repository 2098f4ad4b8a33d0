namespace UsbMesh.Metrics;

/// <summary>What a <see cref="PrometheusExporter"/> collects, and its limits.</summary>
public sealed record PrometheusExporterOptions
{
    /// <summary>The name of the node's meters: every instrument of a meter so named is collected.</summary>
    public const string NodeMeterName = "UsbMesh";

    /// <summary>The meter name whose instruments are collected.</summary>
    public string MeterName { get; init; } = NodeMeterName;

    /// <summary>Label sets kept per instrument; measurements with more go to one series labelled <c>overflow="true"</c>.</summary>
    public int MaxSeriesPerInstrument { get; init; } = 1000;

    /// <summary>Bucket bounds of histograms whose code advised none (Prometheus's own defaults, in seconds).</summary>
    public IReadOnlyList<double> DefaultBuckets { get; init; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}
