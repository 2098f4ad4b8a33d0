using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Usbipd;
using ExportedDevice = UsbMesh.Usbipd.ExportedDevice;

namespace UsbMesh.Node;

/// <summary>
/// Keeps the mesh directory told of this node's exported devices: every interval it lists the exports registry,
/// asks each device what it is, and sends the list to the mesh (which re-announces only when it changed).
/// </summary>
internal sealed class LocalDevicesPublisher : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(5);
    private readonly TimeSpan _interval;

    public LocalDevicesPublisher(IActorRef exports, IActorRef mesh, TimeSpan interval)
    {
        ReceiveAsync<Refresh>(async _ =>
        {
            var listed = await exports.Ask<Exports.Devices>(Exports.List.Instance, AskLimit).ConfigureAwait(true);
            var described = new List<Mesh.Announcements.ExportedDevice>();
            // A device shared with nobody (a device of another node offered on the usbipd endpoint) is not announced.
            foreach (var device in listed.Items.Where(d => d.SharedWith.Count > 0))
            {
                try
                {
                    var info = await device.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, AskLimit).ConfigureAwait(true);
                    described.Add(new Mesh.Announcements.ExportedDevice(Describe(device, info), device.SharedWith));
                }
                catch (AskTimeoutException)
                {
                    // A device that does not answer (unplugged meanwhile) is left out until the next round.
                }
            }

            mesh.Tell(new MeshDirectory.LocalDevices(described));
        });
        _interval = interval;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer("refresh", Refresh.Instance, TimeSpan.Zero, _interval);

    public static Props Props(IActorRef exports, IActorRef mesh, TimeSpan interval) =>
        Actors.Props.Create(() => new LocalDevicesPublisher(exports, mesh, interval));

    /// <summary>What the mesh is told of a device: ids, and the class of its first interface when the device
    /// leaves the class to its interfaces (a keyboard says "HID" there).</summary>
    internal static AnnouncedDevice Describe(ExportedDevice device, UsbDevice.Info info)
    {
        var deviceClass = info.Device.DeviceClass;
        if (deviceClass == 0 && (info.ActiveConfiguration ?? info.Configurations.FirstOrDefault())?.Interfaces.FirstOrDefault() is { } first)
        {
            deviceClass = first.InterfaceClass;
        }

        return new AnnouncedDevice(device.BusId, info.Device.VendorId, info.Device.ProductId, deviceClass,
            info.Speed.ToString().ToLowerInvariant(), Manufacturer: null, Product: Path.GetFileName(device.Path), Serial: null, Audience: []);
    }

    private sealed record Refresh
    {
        public static readonly Refresh Instance = new();
    }
}
