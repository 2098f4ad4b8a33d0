using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Usb;

namespace UsbMesh.Sessions;

/// <summary>
/// A device of another node as this node's usbipd endpoint offers it: described from its announcement until someone
/// claims it, then imported (<see cref="Imports.Open"/>) for that holder, everything passed to the import, until the
/// import ends. So a stock USB/IP client attaches any device of the mesh through the local node, and no session is
/// opened for a device nobody uses.
/// </summary>
/// <remarks>A client that claims the device while the previous holder's import is still ending (a client that
/// detaches and attaches again at once) waits for that import's end and gets a fresh one: handed to the ending
/// import, its claim would be granted by an import about to stop, and its first transfers refused.</remarks>
public sealed class MeshDeviceProxy : ReceiveActor, IWithUnboundedStash
{
    private static readonly TimeSpan OpenLimit = TimeSpan.FromSeconds(30);
    private readonly VisibleDevice _device;
    private readonly IActorRef _imports;
    private readonly ILoggingAdapter _log;
    private IActorRef? _imported;
    private IActorRef? _holder;
    private bool _ending;
    private bool _withdrawn;

    public MeshDeviceProxy(VisibleDevice device, IActorRef imports)
    {
        _device = device;
        _imports = imports;
        _log = Context.GetLogger();
        Idle();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(VisibleDevice device, IActorRef imports) => Actors.Props.Create(() => new MeshDeviceProxy(device, imports));

    /// <summary>What the announcement says, as a device description: ids, class and speed, no configurations.</summary>
    public static UsbDevice.Info Announced(AnnouncedDevice device) =>
        new(new DeviceDescriptor(0x0200, device.DeviceClass, 0, 0, 64, device.VendorId, device.ProductId, 0, 0, 0, 0, 1),
            [], Enum.TryParse<UsbSpeed>(device.Speed, ignoreCase: true, out var speed) ? speed : UsbSpeed.Unknown, 0, null, new HashSet<byte>());

    private void Idle()
    {
        Receive<Withdrawn>(_ => Context.Stop(Self));
        // A holder's death that crossed its unwatch: that import has ended already.
        Receive<Terminated>(_ => { });
        Receive<UsbDevice.GetInfo>(_ => Sender.Tell(Announced(_device.Device)));
        ReceiveAsync<UsbDevice.Claim>(OpenAsync);
        Receive<UsbDevice.Release>(release => Sender.Tell(new UsbDevice.Released(release.Holder)));
        Receive<UsbDevice.Submit>(submit => Sender.Tell(new UsbDevice.NotHolder(submit)));
        Receive<UsbDevice.Unlink>(unlink => Sender.Tell(new UsbDevice.NotHolder(unlink)));
    }

    private void Imported()
    {
        Receive<Withdrawn>(_ => _withdrawn = true);
        Receive<Terminated>(_ =>
        {
            _imported = null;
            Context.Unwatch(_holder!);
            _holder = null;
            if (_withdrawn)
            {
                Context.Stop(Self);
                return;
            }

            Become(Idle);
            Stash.UnstashAll();
        }, t => t.ActorRef.Equals(_imported));
        Receive<Terminated>(_ => { _ending = true; }, t => t.ActorRef.Equals(_holder));
        Receive<UsbDevice.Release>(release =>
        {
            _ending |= release.Holder.Equals(_holder);
            _imported!.Forward(release);
        });
        Receive<UsbDevice.Claim>(claim =>
        {
            if (_ending)
            {
                Stash.Stash();
                return;
            }

            _imported!.Forward(claim);
        });
        ReceiveAny(message => _imported!.Forward(message));
    }

    /// <summary>The device is no longer offered: the proxy stops, once its import (if any) has ended.</summary>
    public sealed record Withdrawn
    {
        public static readonly Withdrawn Instance = new();
    }

    private async Task OpenAsync(UsbDevice.Claim claim)
    {
        var requester = Sender;
        var what = $"{_device.OriginName}/{_device.Device.BusId}";
        try
        {
            switch (await _imports.Ask(new Imports.Open(_device.Origin, _device.Device.BusId), OpenLimit))
            {
                case Imports.Opened opened:
                    var answer = await opened.Device.Ask(claim, OpenLimit);
                    _imported = opened.Device;
                    _holder = claim.Holder;
                    _ending = false;
                    Context.Watch(_imported);
                    Context.Watch(_holder);
                    Become(Imported);
                    requester.Tell(answer);
                    break;
                case Imports.OpenFailed failed:
                    _log.Warning("Cannot attach {0}: {1}", what, failed.Reason);
                    requester.Tell(new UsbDevice.Busy(ActorRefs.Nobody));
                    break;
            }
        }
        catch (AskTimeoutException)
        {
            _log.Warning("Cannot attach {0}: its node did not answer within {1:0} s", what, OpenLimit.TotalSeconds);
            requester.Tell(new UsbDevice.Busy(ActorRefs.Nobody));
        }
    }
}
