using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// The registry of exported devices (DESIGN §2 <c>exports</c>, the usbipd part of it): which device actors are
/// offered under which bus id. It watches each device actor and drops it when it stops, so a list never names a
/// device that has gone.
/// </summary>
public sealed class ExportsActor : ReceiveActor
{
    private readonly SortedDictionary<string, ExportedDevice> _devices = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log;

    /// <summary>Creates the registry; use through <see cref="Props"/>.</summary>
    public ExportsActor()
    {
        _log = Context.GetLogger();
        Receive<Exports.Register>(OnRegister);
        Receive<Exports.Unregister>(OnUnregister);
        Receive<Exports.List>(_ => Sender.Tell(new Exports.Devices([.. _devices.Values])));
        Receive<Terminated>(OnTerminated);
    }

    /// <summary>Props for the registry.</summary>
    public static Props Props() => Actors.Props.Create(() => new ExportsActor());

    private void OnRegister(Exports.Register register)
    {
        var device = register.Device;
        var problem = Validate(device);
        if (problem is not null)
        {
            _log.Warning("Refusing to export {BusId}: {Reason}", device.BusId, problem);
            Sender.Tell(new Exports.Rejected(device.BusId, problem));
            return;
        }

        if (_devices.Remove(device.BusId, out var old))
        {
            UnwatchIfUnused(old.Device);
        }

        _devices[device.BusId] = device;
        Context.Watch(device.Device);
        _log.Info("Exporting {BusId} ({Device})", device.BusId, device.Device);
        Sender.Tell(new Exports.Registered(device.BusId));
    }

    private void OnUnregister(Exports.Unregister unregister)
    {
        if (_devices.Remove(unregister.BusId, out var old))
        {
            UnwatchIfUnused(old.Device);
            _log.Info("No longer exporting {BusId}", unregister.BusId);
        }

        Sender.Tell(new Exports.Unregistered(unregister.BusId));
    }

    private void OnTerminated(Terminated terminated)
    {
        foreach (var gone in _devices.Values.Where(d => d.Device.Equals(terminated.ActorRef)).ToList())
        {
            _devices.Remove(gone.BusId);
            _log.Info("Export {BusId} dropped: its device actor stopped", gone.BusId);
        }
    }

    private void UnwatchIfUnused(IActorRef device)
    {
        if (!_devices.Values.Any(d => d.Device.Equals(device)))
        {
            Context.Unwatch(device);
        }
    }

    private static string? Validate(ExportedDevice device)
    {
        if (string.IsNullOrEmpty(device.BusId) || device.BusId.Length >= UsbIpConstants.BusIdLength || !IsPrintableAscii(device.BusId))
        {
            return $"the bus id must be 1 to {UsbIpConstants.BusIdLength - 1} printable ASCII characters";
        }

        if (device.Path.Length >= UsbIpConstants.PathLength || !IsPrintableAscii(device.Path))
        {
            return $"the path must be at most {UsbIpConstants.PathLength - 1} printable ASCII characters";
        }

        if (device.BusNum is < 0 or > 0xFFFF || device.DevNum is < 0 or > 0xFFFF)
        {
            return "bus and device numbers must be 0 to 65535";
        }

        return null;
    }

    private static bool IsPrintableAscii(string text) => text.All(c => c is >= ' ' and <= '~');
}
