using System.Net;
using Microsoft.Extensions.Logging;
using UsbMesh.Actors;
using UsbMesh.Mesh;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Protocol;
using UsbMesh.Mesh.Relay;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Trust;
using UsbMesh.Sessions;
using UsbMesh.Vhci;

namespace UsbMesh.Node;

/// <summary>
/// The node's part in the mesh: its transports and remoting, listening where <c>usbmesh.listen</c> says, the mesh
/// actor (membership and device directory) and the publisher that tells the directory what this node exports.
/// Before the actor system stops, the node leaves the mesh, so that peers see it go rather than fail.
/// </summary>
public sealed partial class MeshHost
{
    private MeshHost(Remoting remoting, IActorRef mesh, IReadOnlyList<string> bound, IActorRef sessions, IActorRef imports, IActorRef meshDevices)
    {
        Remoting = remoting;
        Mesh = mesh;
        Bound = bound;
        Sessions = sessions;
        Imports = imports;
        MeshDevices = meshDevices;
    }

    public Remoting Remoting { get; }

    /// <summary>The mesh actor (<see cref="MeshActor"/>).</summary>
    public IActorRef Mesh { get; }

    /// <summary>The addresses actually listened on.</summary>
    public IReadOnlyList<string> Bound { get; }

    /// <summary>The sessions this node serves (<see cref="ClientSessionsActor"/>).</summary>
    public IActorRef Sessions { get; }

    /// <summary>The devices this node imports (<see cref="ImportsActor"/>).</summary>
    public IActorRef Imports { get; }

    /// <summary>The mesh's devices on the usbipd endpoint (<see cref="MeshExportsActor"/>).</summary>
    public IActorRef MeshDevices { get; }

    public static async Task<MeshHost> StartAsync(ActorSystem system, NodeSettings settings, NodeIdentity identity, TrustStore trust,
        IActorRef exports, ILogger logger, CancellationToken cancellationToken)
    {
        var transports = MeshTransports.Create(settings.Transports, settings.Listen.Admission, identity, trust, logger);
        var remoting = new Remoting(system, identity.Id, transports, MeshMessages.Register(new MessageSerializers()), settings.Remoting);
        // Lanes relayed to this node prove their origin end to end, and the trust list decides as for a direct
        // connection; the membership keeps the relays current (the relay-capable members that are up).
        remoting.EnableRelayedLanes(identity, peer => trust.Current.RefusalOf(peer));
        remoting.OfferRelay(new RelayPolicy(settings.Mesh.Relay.Enabled, peer => settings.Mesh.Relay.Allows(trust.Current, peer)));
        var bound = await remoting.ListenAsync(settings.Listen.Endpoints, cancellationToken).ConfigureAwait(false);
        var addresses = Advertised(settings.Listen, bound);
        LogListening(logger, string.Join(", ", bound), addresses.Count == 0 ? "none: peers cannot connect to this node" : string.Join(", ", addresses));

        var mesh = settings.Mesh;
        var membership = new MeshMembership.Settings(settings.Name, addresses, mesh.Relay.Enabled, mesh.SeedNodes, mesh.GossipInterval, mesh.FailureDetector, mesh.Membership);
        var directory = new MeshDirectory.Settings(settings.Name, addresses, mesh.Relay.Enabled, mesh.GossipInterval, mesh.AnnouncementTtl);
        var meshActor = system.ActorOf(MeshActor.Props(membership, directory, identity, () => trust.Current, remoting), MeshActor.Name);
        system.ActorOf(LocalDevicesPublisher.Props(exports, meshActor, mesh.GossipInterval), "mesh-exports");
        var sessions = system.ActorOf(ClientSessionsActor.Props(exports, () => trust.Current, settings.Sessions), ClientSessionsActor.Name);
        SessionService.Offer(remoting, sessions, settings.Sessions);
        var imports = system.ActorOf(ImportsActor.Props(remoting, settings.Sessions), ImportsActor.Name);
        var meshDevices = system.ActorOf(MeshExportsActor.Props(meshActor, exports, imports), "mesh-devices");
        if (!OperatingSystem.IsWindows() && settings.Imports.AttachTo == AttachTarget.Vhci && settings.Imports.Rules.Any(r => r.AutoAttach))
        {
            var vhci = system.ActorOf(VhciActor.Props(), "vhci");
            system.ActorOf(AutoAttachActor.Props(meshActor, imports, vhci, settings.Imports), "auto-attach");
        }

        // The other members are told at once (remoting sends it before it stops, a few phases later); the node does
        // not wait for its removal.
        system.CoordinatedShutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "leave-mesh",
            () => meshActor.Ask<MeshMembership.Leaving>(MeshMembership.Leave.Instance, TimeSpan.FromSeconds(1)));
        system.CoordinatedShutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "stop-remoting", () => remoting.DisposeAsync().AsTask());
        return new MeshHost(remoting, meshActor, bound, sessions, imports, meshDevices);
    }

    /// <summary>What peers are told: the configured advertise list, else the bound endpoints that name a host (an
    /// any-address such as 0.0.0.0 says nothing about where this node is).</summary>
    internal static IReadOnlyList<string> Advertised(ListenSettings listen, IReadOnlyList<string> bound) =>
        listen.Advertise.Count > 0
            ? listen.Advertise
            : [.. bound.Distinct(StringComparer.Ordinal).Where(b => IPEndPoint.TryParse(b, out var endpoint) && !endpoint.Address.Equals(IPAddress.Any) && !endpoint.Address.Equals(IPAddress.IPv6Any))];

    [LoggerMessage(LogLevel.Information, "Mesh: listening on {Bound}; announced addresses: {Addresses}")]
    private static partial void LogListening(ILogger logger, string bound, string addresses);
}
