using System.Net.Sockets;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Usbipd;

namespace UsbMesh.Node;

/// <summary>
/// <c>/user/gadgets</c>: creates a device actor for each configured emulated device and offers it through the
/// exports registry. Gadgets sit on a bus of their own, so their bus ids never collide with real devices'.
/// </summary>
internal sealed class GadgetsActor : ReceiveActor
{
    /// <summary>The bus number of emulated devices; real buses are numbered from 1 by the kernel.</summary>
    public const int GadgetBus = 100;

    public GadgetsActor(IReadOnlyList<GadgetSettings> gadgets, IActorRef exports, UsbDeviceSettings deviceSettings)
    {
        var log = Context.GetLogger();
        for (var i = 0; i < gadgets.Count; i++)
        {
            var settings = gadgets[i];
            var devNum = i + 1;
            try
            {
                var name = settings.Name;
                // A tcp-mode serial gadget starts its listener here and logs where (and its clients) through this.
                var backend = GadgetFactory.Create(settings, line => log.Info("Gadget {Gadget}: {Line}", name, line));
                var device = Context.ActorOf(UsbDeviceActor.Props(backend, deviceSettings), Uri.EscapeDataString(settings.Name));
                var busId = $"{GadgetBus}-{devNum}";
                exports.Tell(new Exports.Register(new ExportedDevice(busId, $"/sys/devices/usbmesh/gadgets/{settings.Name}", GadgetBus, devNum, device, settings.ShareWith)));
                log.Info("Gadget {Gadget} ({Type}) created as {BusId}", settings.Name, settings.GetType().Name, busId);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or SocketException)
            {
                // One broken gadget (an image that cannot be opened, a serial bridge's port in use) must not keep the
                // others or the node down.
                log.Error(e, "Gadget {Gadget} could not be created: {Reason}", settings.Name, e.Message);
            }
        }

        Receive<Exports.Registered>(_ => { });
        Receive<Exports.Rejected>(r => log.Warning("A gadget was not exported: {Rejection}", r));
    }

    public static Props Props(IReadOnlyList<GadgetSettings> gadgets, IActorRef exports, UsbDeviceSettings deviceSettings) =>
        Actors.Props.Create(() => new GadgetsActor(gadgets, exports, deviceSettings));
}
