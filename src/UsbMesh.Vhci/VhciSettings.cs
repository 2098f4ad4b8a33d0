using UsbMesh.Usbipd;

namespace UsbMesh.Vhci;

/// <summary>The vhci front end's settings.</summary>
public sealed record VhciSettings
{
    /// <summary>The defaults: the real <c>/sys</c>, 5 s for a device to describe itself and 30 s to grant its lease, the
    /// usbipd endpoint's connection limits.</summary>
    public static VhciSettings Default { get; } = new();

    /// <summary>
    /// Where sysfs is mounted; vhci_hcd's files are under <c>devices/platform/vhci_hcd.0</c> below it. Tests point it
    /// at a directory of their own.
    /// </summary>
    public string SysfsRoot { get; init; } = "/sys";

    /// <summary>How long a device may take to describe itself.</summary>
    public TimeSpan DeviceRequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a device may take to answer a claim: a device of another node opens its session first,
    /// through a relay if need be (as <see cref="UsbipdSettings.ImportTimeout"/>).</summary>
    public TimeSpan ImportTimeout { get; init; } = UsbipdSettings.Default.ImportTimeout;

    /// <summary>
    /// Limits, timeouts and dispatcher of the USB/IP connection that serves the kernel (the same connection actor as a
    /// usbipd client's; only its limits, close timeout and dispatcher apply).
    /// </summary>
    public UsbipdSettings Connection { get; init; } = UsbipdSettings.Default;

    /// <summary>
    /// Where <c>usbip attach</c> records each port's origin (<c>port&lt;n&gt;</c> files holding "host port busid"),
    /// which <c>usbip port</c> reads to show it; an attach here records "usbmesh local &lt;bus id&gt;" there, so the stock
    /// tool lists the port without an error. Null records nothing.
    /// </summary>
    public string? StateDirectory { get; init; } = "/var/run/vhci_hcd";

    /// <summary>How often an attach is retried on another port when the kernel says the chosen one was taken meanwhile (EBUSY).</summary>
    public int AttachRetries { get; init; } = 3;
}
