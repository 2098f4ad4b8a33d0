using UsbMesh.Actors;

namespace UsbMesh.Vhci;

/// <summary>
/// The protocol of <see cref="VhciActor"/> and its <see cref="VhciPortActor"/> children: devices handed to the
/// local kernel through vhci_hcd, as <c>usbip attach</c> does (ADR 0012).
/// </summary>
public static class Vhci
{
    /// <summary>
    /// Attaches a device to a free vhci_hcd port of the right speed. The device is claimed for as long as it stays
    /// attached. Answer: <see cref="Attached"/> or <see cref="AttachFailed"/>; later, when the port goes away for any
    /// reason, <see cref="Detached"/>.
    /// </summary>
    /// <param name="Device">The device actor (<see cref="Devices.UsbDevice"/> protocol).</param>
    /// <param name="BusId">Its bus id ("1-1.2"), for logs, answers and the devid shown by <c>usbip port</c>.</param>
    public sealed record Attach(IActorRef Device, string BusId);

    /// <summary>The kernel has the device on <paramref name="Port"/>; it enumerates it from here on.</summary>
    /// <param name="BusId">The device's bus id.</param>
    /// <param name="Port">The vhci_hcd port (as <c>usbip port</c> and <c>usbip detach -p</c> number it).</param>
    /// <param name="PortActor">The <see cref="VhciPortActor"/> serving it.</param>
    public sealed record Attached(string BusId, int Port, IActorRef PortActor);

    /// <summary>The attach did not happen; nothing is left claimed or attached.</summary>
    /// <param name="BusId">The device's bus id.</param>
    /// <param name="Reason">Why, in words for a log or a shell.</param>
    public sealed record AttachFailed(string BusId, string Reason);

    /// <summary>
    /// Detaches a port: to <see cref="VhciActor"/> with the port number, or to the port's <see cref="VhciPortActor"/>
    /// (which ignores the number). Answer: <see cref="Detached"/>, or <see cref="DetachFailed"/> for a port this node
    /// did not attach.
    /// </summary>
    /// <param name="Port">The vhci_hcd port.</param>
    public sealed record Detach(int Port);

    /// <summary>
    /// The port is detached and the device's lease given back; sent to the attach's requester, and to the sender of a
    /// <see cref="Detach"/>.
    /// </summary>
    /// <param name="BusId">The device's bus id.</param>
    /// <param name="Port">The vhci_hcd port.</param>
    /// <param name="Reason">Why: asked to, the device stopped, or the connection with the kernel ended.</param>
    public sealed record Detached(string BusId, int Port, string Reason);

    /// <summary>No port of this node has that number.</summary>
    /// <param name="Port">The port asked for.</param>
    /// <param name="Reason">Why.</param>
    public sealed record DetachFailed(int Port, string Reason);
}
