using UsbMesh.Net;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// How a listening transport admits inbound connections (HOCON <c>usbmesh.listen</c>: <c>max-connections</c>,
/// <c>accept-rate</c>, <c>accept-burst</c>, <c>handshake-timeout</c>): each listener gets a
/// <see cref="ConnectionAdmission"/> of its own, and a connection holds its place from its accept until its
/// association ends.
/// </summary>
/// <param name="Limits">Connections open at once per listener, new connections per second and burst per address.</param>
/// <param name="HandshakeTimeout">How long an inbound connection may take to prove its identity.</param>
/// <param name="ReportInterval">The shortest time between two log lines about refused connections.</param>
/// <param name="Report">Writes one such line (a warning).</param>
public sealed record InboundAdmission(AdmissionLimits Limits, TimeSpan HandshakeTimeout, TimeSpan ReportInterval, Action<string> Report)
{
    /// <summary>The door of one listener, named in its refusal lines as "mesh listener &lt;scheme&gt; &lt;address&gt;".</summary>
    internal ConnectionAdmission Open(string scheme, string address) =>
        new($"mesh listener {scheme} {address}", Limits, Report, ReportInterval);

    /// <summary>Frees <paramref name="slot"/> once <paramref name="association"/> has ended, however it ends.</summary>
    internal static void ReleaseWhenEnded(IAssociation association, IDisposable slot) =>
        association.Disassociated.ContinueWith(_ => slot.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
