using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd.Client;

/// <summary>How a USB/IP client talks to a server: the codec's caps and how long each step may take.</summary>
public sealed record UsbIpClientSettings
{
    /// <summary>The defaults: the codec's default caps, 10 s to connect, 10 s for each reply.</summary>
    public static UsbIpClientSettings Default { get; } = new();

    /// <summary>Caps every length a server sends is checked against before it is buffered.</summary>
    public UsbIpLimits Limits { get; init; } = UsbIpLimits.Default;

    /// <summary>How long opening the TCP connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the server may take to answer a device list, an import, or one of the descriptor requests made
    /// while importing. URBs have no limit: an interrupt IN may wait for a key press for days.
    /// </summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
