using System.Net;
using UsbMesh.Actors;
using UsbMesh.Bench.UsbIp;
using UsbMesh.Devices;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
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
/// The two nodes of the import benchmark, in this process: a hub exporting a <see cref="SinkSourceDevice"/> (bus id
/// 1-1) to the desk only, and a desk that sees it in the mesh and offers it on its usbipd endpoint as
/// <see cref="ImportedBusId"/>. The nodes speak remoting over <see cref="TlsTransport"/> on 127.0.0.1, each trusting
/// only the other; the desk's usbipd endpoint listens on a free port of 127.0.0.1. Sessions, lanes and the
/// multiplexer run with their default settings, as a node does.
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

    private ImportNodes(ActorSystem hubSystem, ActorSystem deskSystem, Remoting hub, Remoting desk, IPEndPoint usbipd)
    {
        _hubSystem = hubSystem;
        _deskSystem = deskSystem;
        _hub = hub;
        _desk = desk;
        UsbipdEndpoint = usbipd;
    }

    /// <summary>The desk's usbipd endpoint.</summary>
    public IPEndPoint UsbipdEndpoint { get; }

    public static async Task<ImportNodes> StartAsync(int maxTransferLength)
    {
        NodeIdentity hubIdentity = NodeIdentity.Generate(), deskIdentity = NodeIdentity.Generate();
        var hubTrust = TrustList.Of([new TrustedPeer("desk", deskIdentity.Id, Admin: false, Origin: "bench")]);
        var deskTrust = TrustList.Of([new TrustedPeer("hub", hubIdentity.Id, Admin: false, Origin: "bench")]);
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
        desk.AddAddresses(hubIdentity.Id, [hubAddress]);
        var deskExports = deskSystem.ActorOf(ExportsActor.Props(), "exports");
        var imports = deskSystem.ActorOf(ImportsActor.Props(desk, settings), ImportsActor.Name);
        var announced = new AnnouncedDevice(HubBusId, 0x1209, 0x0002, UsbClassCodes.VendorSpecific, "high", null, null, null, [deskIdentity.Id]);
        var directory = deskSystem.ActorOf(FixedDirectory.Props([new VisibleDevice(hubIdentity.Id, "hub", "hub", announced)]), "directory");
        deskSystem.ActorOf(MeshExportsActor.Props(directory, deskExports, imports), "mesh-devices");
        var usbipdSettings = UsbipdSettings.Default with { Enabled = true, Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };
        var listener = deskSystem.ActorOf(UsbipdListener.Props(deskExports, usbipdSettings), "usbipd");
        var bound = await listener.Ask<UsbipdProtocol.Bound>(UsbipdProtocol.GetBinding.Instance, Timeout);
        await WaitOfferedAsync(deskExports, ImportedBusId);
        return new ImportNodes(hubSystem, deskSystem, hub, desk, bound.Endpoint ?? throw new InvalidOperationException("usbipd did not bind"));
    }

    public async ValueTask DisposeAsync()
    {
        await _desk.DisposeAsync();
        await _hub.DisposeAsync();
        KernelSystems.Shutdown(_deskSystem);
        KernelSystems.Shutdown(_hubSystem);
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
