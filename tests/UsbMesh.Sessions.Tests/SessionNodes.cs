using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Devices.Emulated;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Relay;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Transport;
using UsbMesh.Mesh.Trust;
using UsbMesh.Usbipd;

namespace UsbMesh.Sessions.Tests;

/// <summary>
/// Two nodes over the in-memory network: a hub exporting a loopback device (bus id 1-1) that only the desk may
/// import, and a desk (the test kit's own system) importing it; with <c>throughRelay</c>, a third node relays between
/// them, which cannot reach each other. Timings are short: heartbeats every 100 ms, a link silent for 10 s counts as
/// broken (the tests cut links outright; a short limit would only drop links when a busy machine delays heartbeats), a lane goes through the relay after 300 ms without a direct connection.
/// </summary>
internal sealed class SessionNodes : IAsyncDisposable
{
    public const string BusId = "1-1";
    private static readonly MultiplexerOptions Quick = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(100), IdleTimeout = TimeSpan.FromSeconds(10) };

    private SessionNodes(InMemoryNetwork network, ActorSystem hubSystem, Remoting hub, Remoting desk, IActorRef hubDevice, LoopbackDevice loopback, IActorRef imports, IActorRef hubSessions)
    {
        Network = network;
        HubSystem = hubSystem;
        Hub = hub;
        Desk = desk;
        HubDevice = hubDevice;
        Loopback = loopback;
        Imports = imports;
        HubSessions = hubSessions;
    }

    public InMemoryNetwork Network { get; }

    public ActorSystem HubSystem { get; }

    public Remoting Hub { get; }

    public Remoting Desk { get; }

    public IActorRef HubDevice { get; }

    public LoopbackDevice Loopback { get; }

    public IActorRef Imports { get; }

    public IActorRef HubSessions { get; }

    /// <summary>The relay's remoting, when the nodes talk through one.</summary>
    public Remoting? Relay { get; private set; }

    private ActorSystem? RelaySystem { get; set; }

    public static async Task<SessionNodes> StartAsync(ActorSystem desk, SessionSettings settings, bool shareWithDesk = true, bool throughRelay = false)
    {
        var network = new InMemoryNetwork();
        NodeIdentity hubId = NodeIdentity.Generate(), deskId = NodeIdentity.Generate();
        var hubSystem = ActorSystem.Create("hub");
        var hubTrust = TrustList.Of([new TrustedPeer("desk", deskId.Id, Admin: false, Origin: "test")]);
        var hub = await ListenAsync(network, "mem://hub", hubSystem, hubId.Id);
        var deskRemoting = await ListenAsync(network, "mem://desk", desk, deskId.Id);
        if (throughRelay)
        {
            // Before the desk learns where the hub is: a connection made first would stay up, silent, behind the partition.
            network.FaultsBetween("mem://hub", "mem://desk").Partition();
        }

        deskRemoting.AddAddresses(hubId.Id, ["mem://hub"]);
        (ActorSystem System, Remoting Remoting)? relay = null;
        if (throughRelay)
        {
            relay = await StartRelayAsync(network, hub, hubId, hubTrust, deskRemoting, deskId);
        }

        var loopback = new LoopbackDevice();
        var device = hubSystem.ActorOf(UsbDeviceActor.Props(loopback), "loopback");
        var exports = hubSystem.ActorOf(ExportsActor.Props(), "exports");
        await exports.Ask<Exports.Registered>(new Exports.Register(new ExportedDevice(BusId, "/sys/devices/loopback", 1, 2, device, shareWithDesk ? ["desk"] : ["laptop"])), TimeSpan.FromSeconds(5));
        var sessions = hubSystem.ActorOf(ClientSessionsActor.Props(exports, () => hubTrust, settings), ClientSessionsActor.Name);
        SessionService.Offer(hub, sessions, settings);
        var imports = desk.ActorOf(ImportsActor.Props(deskRemoting, settings), ImportsActor.Name);
        var nodes = new SessionNodes(network, hubSystem, hub, deskRemoting, device, loopback, imports, sessions)
        {
            RelaySystem = relay?.System,
            Relay = relay?.Remoting,
        };
        return nodes;
    }

    public NodeId HubId => Hub.SelfNode;

    /// <summary>Ends every connection between the two nodes (they reconnect at once).</summary>
    public void Cut() => Network.Cut("mem://hub", "mem://desk");

    /// <summary>Ends every connection and holds new ones back until <see cref="Heal"/>.</summary>
    public void Partition()
    {
        Network.FaultsBetween("mem://hub", "mem://desk").Partition();
        Cut();
    }

    public void Heal() => Network.FaultsBetween("mem://hub", "mem://desk").Heal();

    public async ValueTask DisposeAsync()
    {
        await Desk.DisposeAsync();
        await Hub.DisposeAsync();
        await HubSystem.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        if (Relay is not null)
        {
            await Relay.DisposeAsync();
            await RelaySystem!.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>A relay between hub and desk, which cannot reach each other: the desk is connected to it, it reaches
    /// the hub, and both ends accept relayed lanes (the hub under its trust list).</summary>
    private static async Task<(ActorSystem, Remoting)> StartRelayAsync(InMemoryNetwork network, Remoting hub, NodeIdentity hubId, TrustList hubTrust,
        Remoting desk, NodeIdentity deskId)
    {
        var relayId = NodeIdentity.Generate();
        var system = ActorSystem.Create("relay");
        var relay = await ListenAsync(network, "mem://relay", system, relayId.Id);
        relay.OfferRelay(new RelayPolicy(true, _ => true));
        relay.AddAddresses(hubId.Id, ["mem://hub"]);
        hub.EnableRelayedLanes(hubId, hubTrust.RefusalOf);
        desk.EnableRelayedLanes(deskId, _ => null);
        desk.SetRelays([relayId.Id]);
        await desk.ConnectAsync("mem://relay", default);
        return (system, relay);
    }

    private static async Task<Remoting> ListenAsync(InMemoryNetwork network, string address, ActorSystem system, NodeId self)
    {
        var remoting = new Remoting(system, self, [new InMemoryTransport(network, self, _ => null, Quick)], new MessageSerializers(),
            RemotingSettings.Default with { ReconnectMinBackoff = TimeSpan.FromMilliseconds(50), ReconnectMaxBackoff = TimeSpan.FromMilliseconds(300), RelayAfter = TimeSpan.FromMilliseconds(300) });
        await remoting.ListenAsync([address], default);
        return remoting;
    }
}
