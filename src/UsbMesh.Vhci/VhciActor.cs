using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Usb;

namespace UsbMesh.Vhci;

/// <summary>
/// The local vhci_hcd (DESIGN §2 <c>imports</c>): chooses a port for each <see cref="Vhci.Attach"/> and starts one
/// <see cref="VhciPortActor"/> (<c>port-&lt;n&gt;</c>) to attach and serve it.
/// </summary>
/// <remarks>
/// Ports are shared with every other user of vhci_hcd (a <c>usbip attach</c> in a shell), and the status file only
/// shows an attach once it is written, so a port chosen here stays reserved for as long as its child lives, and a
/// port the kernel reports taken meanwhile (EBUSY) makes the child hand the attach back for another choice, up to
/// <see cref="VhciSettings.AttachRetries"/> times. Attaches are handled one at a time; each waits at most
/// <see cref="VhciSettings.DeviceRequestTimeout"/> for the device to describe itself.
/// </remarks>
[UnsupportedOSPlatform("windows")]
public sealed class VhciActor : ReceiveActor
{
    private readonly VhciSettings _settings;
    private readonly VhciSysfs _sysfs;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<int, IActorRef> _ports = [];

    /// <summary>Creates the actor; use through <see cref="Props"/>.</summary>
    /// <param name="settings">Settings; <see cref="VhciSettings.Default"/> when null.</param>
    public VhciActor(VhciSettings? settings = null)
    {
        _settings = settings ?? VhciSettings.Default;
        _sysfs = new VhciSysfs(_settings.SysfsRoot);
        _log = Context.GetLogger();
        ReceiveAsync<Vhci.Attach>(a => AttachAsync(a, Sender));
        Receive<VhciPortActor.PortTaken>(t => Choose(t.Request, t.Requester, t.Info, t.Attempt + 1));
        Receive<Vhci.Detach>(OnDetach);
        Receive<Terminated>(t => RemovePort(t.ActorRef));
    }

    /// <summary>Props for the actor.</summary>
    /// <param name="settings">Settings; <see cref="VhciSettings.Default"/> when null.</param>
    public static Props Props(VhciSettings? settings = null) => Actors.Props.Create(() => new VhciActor(settings));

    /// <inheritdoc />
    /// <remarks>A port actor that fails stops (and detaches): restarting it would attach the device a second time.</remarks>
    protected override SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.StoppingStrategy;

    private async Task AttachAsync(Vhci.Attach request, IActorRef requester)
    {
        if (!_sysfs.IsLoaded)
        {
            Fail(request, requester, VhciReasons.NotLoaded(_sysfs.ControllerDirectory));
            return;
        }

        UsbDevice.Info info;
        try
        {
            info = await request.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, _settings.DeviceRequestTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or InvalidCastException)
        {
            Fail(request, requester, $"the device did not describe itself within {_settings.DeviceRequestTimeout.TotalSeconds:0.#} s ({e.Message})");
            return;
        }

        Choose(request, requester, info, attempt: 0);
    }

    private void Choose(Vhci.Attach request, IActorRef requester, UsbDevice.Info info, int attempt)
    {
        if (info.Speed == UsbSpeed.Unknown)
        {
            Fail(request, requester, "the device reports no bus speed, which vhci_hcd needs");
            return;
        }

        IReadOnlyList<VhciPortStatus> ports;
        try
        {
            ports = _sysfs.ReadPorts();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Fail(request, requester, $"cannot read vhci_hcd's port status in {_sysfs.ControllerDirectory}: {e.Message}");
            return;
        }

        var port = VhciStatus.ChooseFreePort(ports, info.Speed, _ports.Keys.ToHashSet());
        if (port is not { } chosen)
        {
            Fail(request, requester, VhciReasons.NoFreePort(ports, info.Speed, _ports.Count));
            return;
        }

        var child = Context.ActorOf(
            VhciPortActor.Props(new VhciPortActor.Assignment(request, requester, info, chosen, attempt), _settings),
            $"port-{chosen}");
        Context.Watch(child);
        _ports[chosen] = child;
    }

    private void OnDetach(Vhci.Detach detach)
    {
        if (_ports.TryGetValue(detach.Port, out var child))
        {
            child.Forward(detach);
        }
        else
        {
            Sender.Tell(new Vhci.DetachFailed(detach.Port, $"port {detach.Port} was not attached by this node"), Self);
        }
    }

    private void RemovePort(IActorRef child)
    {
        foreach (var (port, actor) in _ports)
        {
            if (actor.Equals(child))
            {
                _ports.Remove(port);
                return;
            }
        }
    }

    private void Fail(Vhci.Attach request, IActorRef requester, string reason)
    {
        _log.Warning("Attaching {BusId} to vhci_hcd failed: {Reason}", request.BusId, reason);
        requester.Tell(new Vhci.AttachFailed(request.BusId, reason), Self);
    }
}
