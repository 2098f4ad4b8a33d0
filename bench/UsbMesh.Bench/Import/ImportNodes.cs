using System.Net;
using System.Net.Sockets;
using UsbMesh.Actors;
using UsbMesh.Bench.UsbIp;
using UsbMesh.Devices;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Relay;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Transport;
using UsbMesh.Mesh.Trust;
using UsbMesh.Sessions;
using UsbMesh.Usb;
using UsbMesh.Usbipd;
using UsbipdProtocol = UsbMesh.Usbipd.Usbipd;

namespace UsbMesh.Bench.Import;

/// <summary>
/// The nodes of the import benchmark, in this process: a hub exporting a <see cref="SinkSourceDevice"/> (bus id 1-1) to
/// the desk only, and a desk that sees it in the mesh and offers it on its usbipd endpoint as <see cref="ImportedBusId"/>.
/// The nodes speak remoting over <see cref="TlsTransport"/> on 127.0.0.1, each trusting only the others; the desk's
/// usbipd endpoint listens on a free port of 127.0.0.1. Sessions, lanes and the multiplexer run with their default
/// settings, as a node does. <see cref="ImportRoute.ThroughRelay"/> adds a third node, the relay, which both trust and
/// which reaches the hub; the desk knows an address of the hub where nothing listens, so after
/// <see cref="RemotingSettings.RelayAfter"/> its session's lanes go through the relay, under TLS of their own between
/// desk and hub, as a deployed node's do when the direct link is blocked.
/// </summary>
internal sealed class ImportNodes : IAsyncDisposable
{
    public const string ImportedBusId = "hub:" + HubBusId;
    private const string HubBusId = "1-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ActorSystem _hubSystem;
    private readonly ActorSystem _deskSystem;
    private readonly Remoting _hub;
    private readonly Remoting _desk;
    private readonly (ActorSystem System, Remoting Remoting)? _relay;

    private ImportNodes(ImportRoute route, ActorSystem hubSystem, ActorSystem deskSystem, Remoting hub, Remoting desk, (ActorSystem, Remoting)? relay, IPEndPoint usbipd)
    {
        Route = route;
        _hubSystem = hubSystem;
        _deskSystem = deskSystem;
        _hub = hub;
        _desk = desk;
        _relay = relay;
        UsbipdEndpoint = usbipd;
    }

    public ImportRoute Route { get; }

    /// <summary>The desk's usbipd endpoint.</summary>
    public IPEndPoint UsbipdEndpoint { get; }

    public static async Task<ImportNodes> StartAsync(int maxTransferLength, ImportRoute route = ImportRoute.Direct)
    {
        NodeIdentity hubIdentity = NodeIdentity.Generate(), deskIdentity = NodeIdentity.Generate(), relayIdentity = NodeIdentity.Generate();
        var relayPeer = new TrustedPeer("relay", relayIdentity.Id, Admin: false, Origin: "bench");
        var hubTrust = TrustList.Of([new TrustedPeer("desk", deskIdentity.Id, Admin: false, Origin: "bench"), relayPeer]);
        var deskTrust = TrustList.Of([new TrustedPeer("hub", hubIdentity.Id, Admin: false, Origin: "bench"), relayPeer]);
        var settings = SessionSettings.Default;

        var hubSystem = KernelSystems.Create("hub");
        var (hub, hubAddress) = await ListenAsync(hubSystem, hubIdentity, hubTrust);
        var device = hubSystem.ActorOf(UsbDeviceActor.Props(new SinkSourceDevice(maxTransferLength)), "dev-1-1");
        var hubExports = hubSystem.ActorOf(ExportsActor.Props(), "exports");
        await hubExports.Ask<Exports.Registered>(
            new Exports.Register(new Usbipd.ExportedDevice(HubBusId, "/sys/devices/platform/usbmesh/1-1", 1, 2, device, ["desk"])), Timeout);
        var sessions = hubSystem.ActorOf(ClientSessionsActor.Props(hubExports, () => hubTrust, settings), ClientSessionsActor.Name);
        SessionService.Offer(hub, sessions, settings);

        var deskSystem = KernelSystems.Create("desk");
        var (desk, _) = await ListenAsync(deskSystem, deskIdentity, deskTrust);
        (ActorSystem System, Remoting Remoting, string Address)? relay = null;
        if (route == ImportRoute.ThroughRelay)
        {
            relay = await StartRelayAsync(relayIdentity, hubIdentity, deskIdentity, hubAddress);
            hub.EnableRelayedLanes(hubIdentity, hubTrust.RefusalOf);
            desk.EnableRelayedLanes(deskIdentity, deskTrust.RefusalOf);
            desk.SetRelays([relayIdentity.Id]);
            await desk.ConnectAsync(relay.Value.Address, default);
            desk.AddAddresses(hubIdentity.Id, [UnreachableAddress()]);
        }
        else
        {
            desk.AddAddresses(hubIdentity.Id, [hubAddress]);
        }

        var deskExports = deskSystem.ActorOf(ExportsActor.Props(), "exports");
        var imports = deskSystem.ActorOf(ImportsActor.Props(desk, settings), ImportsActor.Name);
        var announced = new AnnouncedDevice(HubBusId, 0x1209, 0x0002, UsbClassCodes.VendorSpecific, "high", null, null, null, [deskIdentity.Id]);
        var directory = deskSystem.ActorOf(FixedDirectory.Props([new VisibleDevice(hubIdentity.Id, "hub", "hub", announced)]), "directory");
        deskSystem.ActorOf(MeshExportsActor.Props(directory, deskExports, imports), "mesh-devices");
        var usbipdSettings = UsbipdSettings.Default with { Enabled = true, Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };
        var listener = deskSystem.ActorOf(UsbipdListener.Props(deskExports, usbipdSettings), "usbipd");
        var bound = await listener.Ask<UsbipdProtocol.Bound>(UsbipdProtocol.GetBinding.Instance, Timeout);
        await WaitOfferedAsync(deskExports, ImportedBusId);
        return new ImportNodes(route, hubSystem, deskSystem, hub, desk, relay is { } r ? (r.System, r.Remoting) : null,
            bound.Endpoint ?? throw new InvalidOperationException("usbipd did not bind"));
    }

    /// <summary>
    /// Throws unless the nodes are connected as <see cref="Route"/> says: directly, the desk to the hub; through the
    /// relay, the desk to the relay and the relay to the hub, with no connection between desk and hub either way, so
    /// that whatever the import moves has gone through the relay.
    /// </summary>
    public void CheckRoute()
    {
        var (hubId, deskId) = (_hub.SelfNode, _desk.SelfNode);
        var wrong = _relay?.Remoting is not { } relay
            ? (_desk.ConnectedNodes.Contains(hubId) ? null : "the desk is not connected to the hub")
            : _desk.ConnectedNodes.Contains(hubId) || _hub.ConnectedNodes.Contains(deskId) ? "desk and hub are connected directly"
            : !_desk.ConnectedNodes.Contains(relay.SelfNode) ? "the desk is not connected to the relay"
            : !relay.ConnectedNodes.Contains(hubId) ? "the relay is not connected to the hub"
            : null;
        if (wrong is not null)
        {
            throw new InvalidOperationException($"{Route} import: {wrong}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _desk.DisposeAsync();
        if (_relay is var (relaySystem, relay))
        {
            await relay.DisposeAsync();
            KernelSystems.Shutdown(relaySystem);
        }

        await _hub.DisposeAsync();
        KernelSystems.Shutdown(_deskSystem);
        KernelSystems.Shutdown(_hubSystem);
    }

    /// <summary>The relay: it trusts both ends, relays for anyone it trusts, and knows where the hub listens.</summary>
    private static async Task<(ActorSystem, Remoting, string Address)> StartRelayAsync(NodeIdentity relayIdentity, NodeIdentity hubIdentity, NodeIdentity deskIdentity, string hubAddress)
    {
        var trust = TrustList.Of([new TrustedPeer("hub", hubIdentity.Id, Admin: false, Origin: "bench"), new TrustedPeer("desk", deskIdentity.Id, Admin: false, Origin: "bench")]);
        var system = KernelSystems.Create("relay");
        var (relay, address) = await ListenAsync(system, relayIdentity, trust);
        relay.OfferRelay(new RelayPolicy(true, _ => true));
        relay.AddAddresses(hubIdentity.Id, [hubAddress]);
        return (system, relay, address);
    }

    /// <summary>An address of 127.0.0.1 where nothing listens (a port bound, then freed): connections there are refused.</summary>
    private static string UnreachableAddress()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return $"127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}";
    }

    private static async Task<(Remoting Remoting, string Address)> ListenAsync(ActorSystem system, NodeIdentity identity, TrustList trust)
    {
        var transport = new TlsTransport(identity, trust.RefusalOf, new MultiplexerOptions(), Timeout);
        var remoting = new Remoting(system, identity.Id, [transport], new MessageSerializers(), RemotingSettings.Default);
        var bound = await remoting.ListenAsync(["127.0.0.1:0"], default);
        return (remoting, bound[0]);
    }

    /// <summary>The mesh device is registered by a message the exports actor answers to someone else: poll its list.</summary>
    private static async Task WaitOfferedAsync(IActorRef exports, string busId)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var devices = await exports.Ask<Exports.Devices>(Exports.List.Instance, Timeout);
            if (devices.Items.Any(d => d.BusId == busId))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the desk did not offer {busId}");
            }

            await Task.Delay(20);
        }
    }
}
