using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.LibUsb;
using UsbMesh.Usbipd;

namespace UsbMesh.UsbHost;

/// <summary>
/// <c>/user/usb-host</c>: owns the libusb context and runs its event loop on a thread of its own (a PinnedDispatcher;
/// see <see cref="UsbHostSettings.Dispatcher"/>). Each turn of the loop is a message to itself that blocks in
/// <c>libusb_handle_events_timeout_completed</c> for at most <see cref="UsbHostSettings.PollInterval"/>; transfer
/// completions run inside it and hand their results to the pipe actors, hotplug events become messages here. Each
/// device the export policy offers gets a <see cref="UsbDeviceActor"/> child over a <see cref="LibUsbDeviceBackend"/>
/// and is registered with the exports registry; on departure its URBs end with ESHUTDOWN and its actor stops, so
/// its importer sees an unplug. Stopping this actor closes every device, then the context.
/// </summary>
public sealed class UsbHostActor : ReceiveActor
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(3);

    private readonly UsbHostSettings _settings;
    private readonly IActorRef _exports;
    private readonly SysfsUsbDevices _sysfs;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<IntPtr, HostedDevice> _devices = [];
    private readonly List<LibUsbDeviceBackend> _backends = [];
    private LibUsbContext? _context;
    private LibUsbHotplugRegistration? _hotplug;
    private ICancelable? _rescan;
    private string _status = "starting";
    private int _childGeneration;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    /// <param name="settings">Settings and the export policy.</param>
    /// <param name="exports">The exports registry (<see cref="Exports"/> protocol).</param>
    /// <param name="sysfs">Where device attributes are read (the live /sys by default).</param>
    public UsbHostActor(UsbHostSettings settings, IActorRef exports, SysfsUsbDevices? sysfs = null)
    {
        _settings = settings;
        _exports = exports;
        _sysfs = sysfs ?? new SysfsUsbDevices();
        _log = Context.GetLogger();

        Receive<PollEvents>(_ => OnPoll());
        Receive<DeviceArrived>(m => OnArrived(m.Device));
        Receive<DeviceLeft>(m => OnLeft(m.Device));
        Receive<RescanDevices>(_ => OnRescan());
        Receive<UsbHost.GetDevices>(_ => Sender.Tell(new UsbHost.Devices(
            _devices.Values.Select(d => d.ToLocalDevice()).OrderBy(d => d.Facts.BusId, StringComparer.Ordinal).ToList(), _status)));
        Receive<Terminated>(OnChildTerminated);
        Receive<Exports.Registered>(_ => { });
        Receive<Exports.Unregistered>(_ => { });
        Receive<Exports.Rejected>(r => _log.Warning("A local device was not exported: {Rejection}", r));
    }

    /// <summary>Props on <see cref="UsbHostSettings.Dispatcher"/>.</summary>
    /// <param name="settings">Settings and the export policy.</param>
    /// <param name="exports">The exports registry.</param>
    /// <param name="sysfs">Where device attributes are read (the live /sys by default).</param>
    public static Props Props(UsbHostSettings settings, IActorRef exports, SysfsUsbDevices? sysfs = null) =>
        Actors.Props.Create(() => new UsbHostActor(settings, exports, sysfs)).WithDispatcher(settings.Dispatcher);

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() =>
        // A device actor that fails is not restarted over a backend its stop has closed; the device comes back
        // when it is plugged in again.
        Actors.SupervisorStrategy.StoppingStrategy;

    /// <inheritdoc/>
    protected override void PreStart()
    {
        try
        {
            _context = LibUsbContext.Create();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or LibUsbException)
        {
            _status = $"unavailable: {e.Message}";
            _log.Error("Local USB devices cannot be shared: libusb could not start ({Reason})", e.Message);
            return;
        }

        var self = Self;
        if (LibUsbContext.HasCapability(LibUsbCapability.HasHotplug))
        {
            // Runs on this actor's thread, inside HandleEvents (or inside this call for the devices already there).
            _hotplug = _context.RegisterHotplug(
                (device, change) => self.Tell(change == LibUsbHotplugEvent.Arrived ? new DeviceArrived(device) : new DeviceLeft(device)),
                enumerate: true);
            _status = $"running (libusb {LibUsbContext.Version}, hotplug)";
        }
        else
        {
            _rescan = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.Zero, _settings.RescanInterval, Self, RescanDevices.Instance, Self);
            _status = $"running (libusb {LibUsbContext.Version}, rescanning every {_settings.RescanInterval.TotalSeconds:0.#} s)";
        }

        _log.Info("USB host {Status}", _status);
        Self.Tell(PollEvents.Instance);
    }

    /// <inheritdoc/>
    protected override void PostStop()
    {
        _rescan?.Cancel();
        _hotplug?.Dispose();
        if (_context is null)
        {
            return;
        }

        // The device actors have stopped and started closing their backends; their last completions need this
        // loop, so it keeps turning until every device is closed (bounded), then the context goes.
        var closing = Task.WhenAll(_backends.Select(b => b.DisposeAsync().AsTask()));
        var deadline = DateTime.UtcNow + CloseWait;
        while (!closing.IsCompleted && DateTime.UtcNow < deadline)
        {
            TryHandleEvents(TimeSpan.FromMilliseconds(10));
        }

        if (!closing.IsCompleted)
        {
            _log.Warning("Some USB devices did not close within {Seconds} s", CloseWait.TotalSeconds);
        }

        foreach (var device in _devices.Values)
        {
            device.Unopened?.Dispose();
        }

        _devices.Clear();
        _context.Dispose();
    }

    private void OnPoll()
    {
        TryHandleEvents(_settings.PollInterval);
        Self.Tell(PollEvents.Instance);
    }

    private void TryHandleEvents(TimeSpan timeout)
    {
        try
        {
            _context!.HandleEvents(timeout);
        }
        catch (LibUsbException e)
        {
            _log.Warning("libusb event handling failed: {Reason}", e.Message);
            Thread.Sleep(timeout); // Never spin on a persistent error.
        }
    }

    private void OnRescan()
    {
        var present = _context!.GetDevices();
        var seen = present.Select(d => d.Handle.DangerousGetHandle()).ToHashSet();
        foreach (var gone in _devices.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            Depart(gone);
        }

        foreach (var device in present)
        {
            OnArrived(device);
        }
    }

    private void OnArrived(LibUsbDevice device)
    {
        var key = device.Handle.DangerousGetHandle();
        if (_devices.ContainsKey(key) || device.PortNumbers.Count == 0)
        {
            device.Dispose(); // Known already, or a root hub (part of the host controller, not a device to share).
            return;
        }

        var facts = ReadFacts(device);
        var sysfsPath = _sysfs.DevicePath(facts.BusId);
        var decision = WhyNeverExported(facts, sysfsPath) is { } reason ? new ExportDecision(false, reason, []) : _settings.Policy.Decide(facts);
        var hosted = decision.Exported ? Export(device, facts, sysfsPath, decision) : new HostedDevice(facts, decision, ActorRefs.Nobody, null, device);
        _devices[key] = hosted;
        _log.Info("USB device {Device} arrived: {Verdict}", facts, hosted.Decision.Reason);
        Context.System.EventStream.Publish(new UsbHost.DeviceChanged(hosted.ToLocalDevice(), Arrived: true));
    }

    private HostedDevice Export(LibUsbDevice device, UsbDeviceFacts facts, string sysfsPath, ExportDecision decision)
    {
        var busNumber = device.BusNumber;
        var address = device.Address;
        LibUsbDeviceBackend backend;
        try
        {
            backend = LibUsbDeviceBackend.Open(device, _settings.DetachKernelDrivers);
        }
        catch (Exception e) when (e is LibUsbException or UsbDescriptorException)
        {
            _log.Warning("USB device {Device} matches the export rules but cannot be opened: {Reason}", facts, e.Message);
            return new HostedDevice(facts, new ExportDecision(false, $"cannot be opened: {e.Message}", []), ActorRefs.Nobody, null, null);
        }

        _backends.Add(backend);
        var actor = Context.ActorOf(UsbDeviceActor.Props(backend, _settings.Devices), $"{facts.BusId}~{++_childGeneration}");
        Context.Watch(actor);
        if (_settings.ShareOnPlugIn)
        {
            _exports.Tell(new Exports.Register(new ExportedDevice(facts.BusId, sysfsPath, busNumber, address, actor, decision.ShareWith)));
        }

        return new HostedDevice(facts, decision, actor, backend, null);
    }

    private void OnLeft(LibUsbDevice device)
    {
        var key = device.Handle.DangerousGetHandle();
        device.Dispose();
        Depart(key);
    }

    private void Depart(IntPtr key)
    {
        if (!_devices.Remove(key, out var hosted))
        {
            return;
        }

        if (hosted.Backend is not null)
        {
            // URBs still queued fail with ESHUTDOWN at once; those at libusb come back NO_DEVICE (also ESHUTDOWN).
            hosted.Backend.MarkGone();
            _exports.Tell(new Exports.Unregister(hosted.Facts.BusId));
            Context.Unwatch(hosted.Actor);
            Context.Stop(hosted.Actor);
        }

        hosted.Unopened?.Dispose();
        _log.Info("USB device {Device} left", hosted.Facts);
        Context.System.EventStream.Publish(new UsbHost.DeviceChanged(hosted.ToLocalDevice(), Arrived: false));
    }

    private void OnChildTerminated(Terminated terminated)
    {
        var entry = _devices.FirstOrDefault(d => d.Value.Actor.Equals(terminated.ActorRef));
        if (entry.Value is null)
        {
            return;
        }

        _log.Error("The actor of USB device {Device} failed; the device is offered again when it is plugged in again", entry.Value.Facts);
        _exports.Tell(new Exports.Unregister(entry.Value.Facts.BusId));
        _devices[entry.Key] = entry.Value with
        {
            Decision = new ExportDecision(false, "its device actor failed", []),
            Actor = ActorRefs.Nobody,
        };
    }

    /// <summary>Devices no rule can offer: hubs, and devices this machine imports itself.</summary>
    private static string? WhyNeverExported(UsbDeviceFacts facts, string sysfsPath)
    {
        if (facts.Classes.Contains(UsbClassCodes.Hub))
        {
            return "a hub is shared through the devices behind it";
        }

        // A device on a vhci-hcd port is an import (from this node or a usbip client): offering it again would loop
        // it back to where it came from.
        return sysfsPath.Contains("/vhci_hcd", StringComparison.Ordinal)
            ? "it is imported through this machine's vhci-hcd"
            : null;
    }

    private UsbDeviceFacts ReadFacts(LibUsbDevice device)
    {
        var busId = device.BusId;
        var descriptor = device.GetDeviceDescriptor();
        var classes = new HashSet<byte>(_sysfs.InterfaceClasses(busId));
        if (descriptor.DeviceClass != UsbClassCodes.PerInterface)
        {
            classes.Add(descriptor.DeviceClass);
        }

        return new UsbDeviceFacts(busId, descriptor.VendorId, descriptor.ProductId, classes, _sysfs.Attribute(busId, "serial"), _sysfs.Attribute(busId, "product"));
    }

    private sealed record HostedDevice(UsbDeviceFacts Facts, ExportDecision Decision, IActorRef Actor, LibUsbDeviceBackend? Backend, LibUsbDevice? Unopened)
    {
        public UsbHost.LocalDevice ToLocalDevice() => new(Facts, Decision, Actor);
    }

    private sealed record PollEvents
    {
        public static readonly PollEvents Instance = new();
    }

    private sealed record RescanDevices
    {
        public static readonly RescanDevices Instance = new();
    }

    private sealed record DeviceArrived(LibUsbDevice Device);

    private sealed record DeviceLeft(LibUsbDevice Device);
}
