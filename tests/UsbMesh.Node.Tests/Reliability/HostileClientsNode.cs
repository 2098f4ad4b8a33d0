using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Transport;
using UsbMesh.Shell;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>One of the node's listening endpoints as a hostile client sees it: where it is, the name its refusal log
/// lines start with, what a slow client trickles into it, and what an honest client does with it.</summary>
/// <param name="Name">The scenario's name.</param>
/// <param name="Target">Where it listens.</param>
/// <param name="LogName">The endpoint's name in its refusal lines.</param>
/// <param name="Trickle">The start of a valid first message, sent a byte at a time by a slow client.</param>
/// <param name="Honest">One request of an honest client, which fails if the endpoint does not serve it.</param>
public sealed record HostileTarget(string Name, EndPoint Target, string LogName, byte[] Trickle, Func<CancellationToken, Task<string>> Honest)
{
    public override string ToString() => Name;
}

/// <summary>
/// A usbmeshd with all four endpoints open on loopback (usbipd, the TLS mesh listener, the admin socket, the dashboard
/// with its metrics), each with small admission limits and a 3 s handshake timeout so that floods and slow clients
/// meet them in seconds, and refusal lines every second. The test acts as a trusted peer ("honest") for the mesh.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class HostileClientsNode : IAsyncLifetime
{
    /// <summary>Connections each endpoint admits at once.</summary>
    public const int MaxConnections = 24;

    /// <summary>New connections per second (and at once) per address. A flood from one address holds at most
    /// AcceptBurst + AcceptRate × HandshakeTimeout = 20 connections, fewer than <see cref="MaxConnections"/>, so it can
    /// never take the place of a client from another address.</summary>
    public const int AcceptRate = 5;

    public const int AcceptBurst = 5;

    /// <summary>Short, so that scenarios end in seconds; long enough for an honest client on a loaded machine.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan RefusalsInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);

    private readonly MeshDaemons _daemons = new();

    public DaemonProcess Daemon => _daemons["hub"];

    public string StateDirectory => _daemons.StateDirectoryOf("hub");

    public IReadOnlyList<HostileTarget> Targets { get; private set; } = [];

    public HostileTarget this[string name] => Targets.Single(t => t.Name == name);

    public async Task InitializeAsync()
    {
        var usbipd = new IPEndPoint(IPAddress.Loopback, FreePorts.Loopback());
        var mesh = new IPEndPoint(IPAddress.Loopback, FreePorts.Loopback());
        var dashboard = new IPEndPoint(IPAddress.Loopback, FreePorts.Loopback());
        var limits = $"max-connections = {MaxConnections}, accept-rate = {AcceptRate}, accept-burst = {AcceptBurst}";
        var handshake = $"{HandshakeTimeout.TotalMilliseconds:0}ms";
        var daemon = _daemons.Start(new MeshNodeSpec("hub", mesh.ToString(), Trusts: ["honest"], Seeds: [], Gadgets: ["{ type = keyboard, name = keys }"], Settings: $$"""
            usbmesh {
              usbipd { enabled = on, endpoint = "{{usbipd}}", {{limits}}, op-idle-timeout = {{handshake}} }
              listen { {{limits}}, handshake-timeout = {{handshake}} }
              shell { {{limits}}, handshake-timeout = {{handshake}} }
              dashboard { enabled = on, endpoint = "{{dashboard}}", {{limits}}, handshake-timeout = {{handshake}} }
              metrics.enabled = on
              logging.refusals-interval = {{RefusalsInterval.TotalMilliseconds:0}}ms
            }
            """));
        await daemon.WaitForLineAsync(line => line.Contains("Metrics at ", StringComparison.Ordinal), StartBound);

        var socket = Path.Combine(StateDirectory, "admin.sock");
        var hub = _daemons.IdOf("hub");
        var honestIdentity = _daemons.IdentityOf("honest");
        var helloFrame = Encoding.UTF8.GetBytes("""{"type":"hello","client":"slow"}""");
        Targets =
        [
            new HostileTarget("usbipd", usbipd, "usbipd", [0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0], async token =>
            {
                var devices = await UsbIpClient.ListAsync(usbipd, cancellationToken: token);
                return $"usbip list: {devices.Count} device(s)";
            }),
            new HostileTarget("mesh", mesh, $"mesh listener tls {mesh}", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03], async token =>
            {
                await using var transport = new TlsTransport(honestIdentity, _ => null, new MultiplexerOptions(), TimeSpan.FromSeconds(10));
                var association = await transport.AssociateAsync(mesh.ToString(), hub, token);
                await association.DisposeAsync();
                return $"TLS handshake with {association.RemoteNode.Short}";
            }),
            new HostileTarget("shell", new UnixDomainSocketEndPoint(socket), "shell admin socket", [0, 0, 0, (byte)helloFrame.Length, .. helloFrame], async token =>
            {
                await using var shell = await ShellClient.ConnectAsync(socket, "honest", token);
                var lines = await DaemonHealth.LinesAsync(shell, "node", "status");
                return $"node status: {lines.Count} line(s)";
            }),
            new HostileTarget("dashboard", dashboard, $"dashboard {dashboard}", Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.1\r\nHost: {dashboard}\r\n"), async token =>
            {
                using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = new Uri($"http://{dashboard}") };
                var page = await http.GetStringAsync("/", token);
                var metrics = await http.GetStringAsync("/metrics", token);
                return $"GET /: {page.Length} chars, GET /metrics: {metrics.Length} chars";
            }),
        ];
    }

    public async Task DisposeAsync() => await _daemons.DisposeAsync();
}
