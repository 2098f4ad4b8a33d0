using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Usbipd;

namespace UsbMesh.Sessions;

/// <summary>
/// Keeps this node's usbipd endpoint offering the devices of the mesh it is shown, beside its own: one
/// <see cref="MeshDeviceProxy"/> per visible device, registered in the exports registry under
/// <c>&lt;node name&gt;:&lt;bus id&gt;</c> and shared with nobody (a node does not re-announce what it imports).
/// </summary>
public sealed class MeshExportsActor : ReceiveActor
{
    /// <summary>The bus number of mesh devices' records, apart from the emulated and real ones.</summary>
    public const int BusNumber = 200;

    private readonly Dictionary<string, IActorRef> _proxies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Usbipd.ExportedDevice> _offers = new(StringComparer.Ordinal);
    private readonly IActorRef _exports;
    private readonly IActorRef _imports;
    private int _nextDevNum;

    public MeshExportsActor(IActorRef directory, IActorRef exports, IActorRef imports)
    {
        _exports = exports;
        _imports = imports;
        Receive<MeshDirectory.VisibleChanged>(changed => Update(changed.Devices));
        Receive<MeshDirectory.Visible>(visible => Update(visible.Devices));
        Receive<Exports.Registered>(_ => { });
        Receive<Exports.Unregistered>(_ => { });
        Receive<Exports.Rejected>(_ => { });
        Receive<Terminated>(t =>
        {
            foreach (var busId in _proxies.Where(p => p.Value.Equals(t.ActorRef)).Select(p => p.Key).ToList())
            {
                _proxies.Remove(busId);
                _offers.Remove(busId);
            }
        });
        Receive<Reoffer>(reoffer =>
        {
            if (_offers.TryGetValue(reoffer.BusId, out var offer))
            {
                _exports.Tell(new Exports.Register(offer));
            }
        });
        directory.Tell(MeshDirectory.GetVisible.Instance);
    }

    public static Props Props(IActorRef directory, IActorRef exports, IActorRef imports) =>
        Actors.Props.Create(() => new MeshExportsActor(directory, exports, imports));

    /// <summary>The bus id a mesh device is offered under: at most 31 characters, as USB/IP's field allows.</summary>
    public static string BusIdOf(VisibleDevice device)
    {
        var busId = $"{device.OriginName}:{device.Device.BusId}";
        return busId.Length <= 31 ? busId : busId[..31];
    }

    /// <summary>
    /// Offers the proxy of <paramref name="BusId"/> again, after something else took its place on the endpoint for a
    /// while (an import an operator attached there) and has ended.
    /// </summary>
    public sealed record Reoffer(string BusId);

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(MeshDirectory.VisibleChanged));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Update(IReadOnlyList<VisibleDevice> devices)
    {
        var visible = devices.GroupBy(BusIdOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var gone in _proxies.Keys.Where(k => !visible.ContainsKey(k)).ToList())
        {
            // An import in progress carries on (its session ends by its own rules); the device is no longer offered.
            _exports.Tell(new Exports.Unregister(gone));
            _proxies[gone].Tell(MeshDeviceProxy.Withdrawn.Instance);
            Context.Unwatch(_proxies[gone]);
            _proxies.Remove(gone);
            _offers.Remove(gone);
        }

        foreach (var (busId, device) in visible.Where(v => !_proxies.ContainsKey(v.Key)))
        {
            var proxy = Context.ActorOf(MeshDeviceProxy.Props(device, _imports));
            Context.Watch(proxy);
            _proxies[busId] = proxy;
            var offer = new Usbipd.ExportedDevice(busId, $"/mesh/{device.Origin.Short}/{device.Device.BusId}", BusNumber, ++_nextDevNum, proxy, ShareWith: []);
            _offers[busId] = offer;
            _exports.Tell(new Exports.Register(offer));
        }
    }
}
