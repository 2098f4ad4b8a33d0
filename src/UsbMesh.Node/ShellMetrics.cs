namespace UsbMesh.Node;

/// <summary>The node's metrics in the Prometheus text format, for the shell's <c>metrics show</c>.</summary>
/// <param name="Render">Renders what was measured so far.</param>
public sealed record ShellMetrics(Func<string> Render);
