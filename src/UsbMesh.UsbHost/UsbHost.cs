using UsbMesh.Actors;

namespace UsbMesh.UsbHost;

/// <summary>The protocol of <see cref="UsbHostActor"/>.</summary>
public static class UsbHost
{
    /// <summary>Asks for <see cref="Devices"/>.</summary>
    public sealed record GetDevices
    {
        /// <summary>The shared instance.</summary>
        public static readonly GetDevices Instance = new();
    }

    /// <summary>One local device as the host sees it.</summary>
    /// <param name="Facts">What it is and where.</param>
    /// <param name="Decision">The export policy's verdict.</param>
    /// <param name="Actor">Its device actor while it is exported, otherwise <see cref="ActorRefs.Nobody"/>.</param>
    public sealed record LocalDevice(UsbDeviceFacts Facts, ExportDecision Decision, IActorRef Actor);

    /// <summary>The local devices, ordered by bus id.</summary>
    /// <param name="Items">The devices.</param>
    /// <param name="Status">Whether the host runs, or why not (e.g. libusb missing).</param>
    public sealed record Devices(IReadOnlyList<LocalDevice> Items, string Status);

    /// <summary>Published on the event stream when a device arrives (after the policy decided) or leaves.</summary>
    /// <param name="Device">The device.</param>
    /// <param name="Arrived">True on arrival, false on departure.</param>
    public sealed record DeviceChanged(LocalDevice Device, bool Arrived);
}
