using System.Net;
using UsbMesh.Net;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// The usbipd-compatible endpoint's settings (HOCON <c>usbmesh.usbipd</c>; the node maps its configuration onto
/// this record).
/// </summary>
public sealed record UsbipdSettings
{
    /// <summary>The USB/IP port registered with IANA.</summary>
    public const int DefaultPort = 3240;

    /// <summary>The defaults, as in <c>reference.conf</c>: off, 127.0.0.1:3240, 64 connections, 10 s OP-phase idle timeout.</summary>
    public static UsbipdSettings Default { get; } = new();

    /// <summary>Whether the node starts the endpoint at all (HOCON <c>enabled</c>; off by default).</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Where to listen. The loopback address by default: USB/IP has no authentication, so whoever reaches the port
    /// can attach every exported device. Port 0 picks a free port (tests); <see cref="Usbipd.Bound"/> tells which.
    /// </summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, DefaultPort);

    /// <summary>
    /// Connections served at once (HOCON <c>max-connections</c>); one beyond it is accepted and closed at once, and
    /// counted in the refusal log line.
    /// </summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>New connections per second one remote address may open, on average (HOCON <c>accept-rate</c>); loopback
    /// clients share one allowance. One beyond it is closed at once.</summary>
    public double AcceptRate { get; init; } = 4;

    /// <summary>New connections one remote address may open at once (HOCON <c>accept-burst</c>).</summary>
    public int AcceptBurst { get; init; } = 16;

    /// <summary>The shortest time between two log lines about refused connections (HOCON <c>logging.refusals-interval</c>).</summary>
    public TimeSpan RefusalsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The limits the listener admits connections by.</summary>
    public AdmissionLimits Admission => new(MaxConnections, AcceptRate, AcceptBurst);

    /// <summary>
    /// How long a connection may stay in the OP phase without a complete request (HOCON <c>op-idle-timeout</c>, this
    /// endpoint's handshake timeout): a client that connects and sends nothing, or half a header, or trickles one. The URB phase has no idle limit: an attached device may be idle for days.
    /// </summary>
    public TimeSpan OpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// URB commands (CMD_SUBMIT and CMD_UNLINK) one connection may have unanswered (HOCON <c>max-pending-urbs</c>). At
    /// the limit the connection stops reading its socket until a reply goes out (TCP backpressure), so memory per connection stays below
    /// this times <see cref="UsbIpLimits.MaxTransferBufferLength"/>, plus one message being parsed. Keep it at or
    /// below the device's <see cref="Devices.UsbDeviceSettings.MaxUrbsPerEndpoint"/> (also 128 by default): the device
    /// fails URBs beyond its cap with -EPROTO, while this limit only makes the client wait.
    /// </summary>
    public int MaxPendingUrbs { get; init; } = 128;

    /// <summary>How long a device may take to answer an info request during OP_REQ_* (HOCON
    /// <c>device-request-timeout</c>).</summary>
    public TimeSpan DeviceRequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a device may take to grant the lease of an OP_REQ_IMPORT (HOCON <c>import-timeout</c>): a
    /// device of another node opens its session first, through a relay if need be.</summary>
    public TimeSpan ImportTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a closing connection may take to write its last replies before the socket is dropped (HOCON
    /// <c>close-timeout</c>).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The codec's caps on lengths and counts.</summary>
    public UsbIpLimits Limits { get; init; } = UsbIpLimits.Default;

    /// <summary>
    /// The dispatcher of the connection actors. Each request and each reply passes through one, between the socket
    /// threads and the device's actors; the same dedicated threads as the devices' keep that hand-off cheap.
    /// </summary>
    public string Dispatcher { get; init; } = Actors.Dispatch.Dispatchers.DefaultDispatcherId;
}
