using System.Diagnostics.Metrics;

namespace UsbMesh.Mesh;

/// <summary>The meter of the mesh's instruments, which are declared where they are measured. Its name is the
/// node's meter name: the exporter collects every meter of that name.</summary>
internal static class MeshMeter
{
    public static readonly Meter Instance = new("UsbMesh");
}
