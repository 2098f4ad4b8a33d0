using UsbMesh.Devices;

namespace UsbMesh.UsbHost;

/// <summary>The USB host's settings (HOCON <c>usbmesh.usb-host</c> and <c>usbmesh.exports</c>).</summary>
public sealed record UsbHostSettings
{
    /// <summary>Whether the node looks at its local USB devices at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The dispatcher the host actor runs on; it must be a PinnedDispatcher, as the loop blocks in libusb.</summary>
    public string Dispatcher { get; init; } = "usb-host-dispatcher";

    /// <summary>
    /// The longest the event loop stays inside libusb before it reads its mailbox. Completions and hotplug events
    /// are handled at once either way; this only bounds how late other messages (a stop, a query) are seen.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the device list is read again where libusb has no hotplug support.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Which devices are offered.</summary>
    public ExportPolicy Policy { get; init; } = new([], new Dictionary<string, string>());

    /// <summary>Offer a device that matches the policy as soon as it is plugged in (off: only when asked to).</summary>
    public bool ShareOnPlugIn { get; init; } = true;

    /// <summary>Whether a lease takes the device's interfaces from the local kernel drivers.</summary>
    public bool DetachKernelDrivers { get; init; } = true;

    /// <summary>Settings of each device's actors (<c>usbmesh.devices</c>).</summary>
    public UsbDeviceSettings Devices { get; init; } = UsbDeviceSettings.Default;
}
