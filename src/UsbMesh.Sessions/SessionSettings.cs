using UsbMesh.Mesh.Resumable;

namespace UsbMesh.Sessions;

/// <summary>How device sessions behave.</summary>
/// <param name="GracePeriod">How long a session whose link broke waits to be resumed before the device counts as
/// gone for the importer and the exporter releases its lease (<c>usbmesh.sessions.grace-period</c>).</param>
/// <param name="HandshakeTimeout">How long either side waits for the other's half of a lane's handshake.</param>
/// <param name="Lanes">The bounds of each lane.</param>
public sealed record SessionSettings(TimeSpan GracePeriod, TimeSpan HandshakeTimeout, ResumableLaneOptions Lanes)
{
    /// <summary>A 10 s grace period, 10 s handshakes, default lane bounds.</summary>
    public static readonly SessionSettings Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), ResumableLaneOptions.Default);
}
