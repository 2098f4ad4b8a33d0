namespace UsbMesh.Metrics;

/// <summary>
/// Listens to the node's meters (System.Diagnostics.Metrics) and renders what they measured in the Prometheus text
/// exposition format.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Everything measured so far, in the Prometheus text format (version 0.0.4).</summary>
    public string Render() => throw new NotImplementedException();

    public void Dispose()
    {
    }
}
