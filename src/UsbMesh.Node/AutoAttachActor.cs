using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Sessions;
using UsbMesh.UsbHost;

namespace UsbMesh.Node;

/// <summary>
/// Attaches the devices the import rules name (<c>usbmesh.imports.rules</c>, auto-attach on) to the local kernel
/// through vhci_hcd as soon as the mesh offers them, and again after they went away and came back — a device that
/// re-enumerated (a firmware flash resets it), a node that restarted, an import that ended after a long cut. Rules
/// live in the configuration, so attachments come back by themselves when either node restarts.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class AutoAttachActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private static readonly TimeSpan OpenLimit = TimeSpan.FromSeconds(30);

    private readonly IActorRef _imports;
    private readonly IActorRef _vhci;
    private readonly ImportSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<string, IActorRef?> _attachments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastFailure = new(StringComparer.Ordinal);
    private IReadOnlyList<VisibleDevice> _visible = [];

    public AutoAttachActor(IActorRef directory, IActorRef imports, IActorRef vhci, ImportSettings settings)
    {
        _imports = imports;
        _vhci = vhci;
        _settings = settings;
        _log = Context.GetLogger();
        Receive<MeshDirectory.VisibleChanged>(changed => Consider(changed.Devices));
        Receive<MeshDirectory.Visible>(visible => Consider(visible.Devices));
        Receive<Retry>(_ => Consider(_visible));
        Receive<Opened>(OnOpened);
        Receive<Vhci.Vhci.Attached>(attached =>
        {
            _lastFailure.Remove(attached.BusId);
            _log.Info("Attached {0} to vhci_hcd port {1}", attached.BusId, attached.Port);
        });
        Receive<Vhci.Vhci.AttachFailed>(failed => Failed(failed.BusId, failed.Reason));
        Receive<Vhci.Vhci.Detached>(detached =>
        {
            _log.Info("{0} left vhci_hcd port {1}: {2}", detached.BusId, detached.Port, detached.Reason);
            Forget(detached.BusId);
        });
        directory.Tell(MeshDirectory.GetVisible.Instance);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef directory, IActorRef imports, IActorRef vhci, ImportSettings settings) =>
        Actors.Props.Create(() => new AutoAttachActor(directory, imports, vhci, settings));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(MeshDirectory.VisibleChanged));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Consider(IReadOnlyList<VisibleDevice> visible)
    {
        _visible = visible;
        foreach (var device in visible)
        {
            var busId = MeshExportsActor.BusIdOf(device);
            if (_attachments.ContainsKey(busId) || RuleFor(device) is not { AutoAttach: true })
            {
                continue;
            }

            _attachments[busId] = null;
            _imports.Ask(new Imports.Open(device.Origin, device.Device.BusId), OpenLimit)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : new Imports.OpenFailed(t.Exception?.GetBaseException().Message ?? "cancelled"), TaskScheduler.Default)
                .PipeTo(Self, success: answer => new Opened(busId, answer));
        }
    }

    private ImportRule? RuleFor(VisibleDevice device)
    {
        var announced = device.Device;
        var facts = new UsbDeviceFacts(announced.BusId, announced.VendorId, announced.ProductId, new HashSet<byte> { announced.DeviceClass }, announced.Serial, announced.Product ?? device.AnnouncedName);
        return _settings.Rules.FirstOrDefault(r => r.Matches(device.OriginName, facts));
    }

    private void OnOpened(Opened opened)
    {
        switch (opened.Answer)
        {
            case Imports.Opened imported:
                _attachments[opened.BusId] = imported.Device;
                _vhci.Tell(new Vhci.Vhci.Attach(imported.Device, opened.BusId));
                break;
            case Imports.OpenFailed failed:
                Failed(opened.BusId, failed.Reason);
                break;
        }
    }

    /// <summary>Logs a failure once per new reason, lets go of the import and tries again after the reattach delay.</summary>
    private void Failed(string busId, string reason)
    {
        if (!_lastFailure.TryGetValue(busId, out var previous) || previous != reason)
        {
            _lastFailure[busId] = reason;
            _log.Warning("Cannot attach {0}: {1}; trying again every {2:0.#} s", busId, reason, _settings.ReattachDelay.TotalSeconds);
        }

        Forget(busId);
    }

    private void Forget(string busId)
    {
        if (_attachments.Remove(busId, out var import) && import is not null)
        {
            import.Tell(new Devices.UsbDevice.Release(Self));
        }

        Timers.StartSingleTimer(RetryTimer, Retry.Instance, _settings.ReattachDelay);
    }

    private sealed record Opened(string BusId, object Answer);

    private sealed record Retry
    {
        public static readonly Retry Instance = new();
    }
}
