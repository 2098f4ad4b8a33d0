using UsbMesh.Actors;
using UsbMesh.Sessions;
using UsbMesh.Usbipd;
using UsbMesh.Vhci;
using UsbExport = UsbMesh.Usbipd.ExportedDevice;

namespace UsbMesh.Node.Shell;

/// <summary>
/// The devices of other nodes an operator attached here (<c>/user/shell/attachments</c>). Each is imported through
/// the session layer (<see cref="ImportsActor"/>), so both nodes list its session; then it is either handed to the
/// local kernel through vhci_hcd, or held here and offered on this node's usbipd endpoint in place of the device's
/// proxy there, for a USB/IP client to use. Detaching ends the import, and the exporter releases its lease.
/// </summary>
internal sealed class AttachmentsActor : ReceiveActor
{
    private static readonly TimeSpan OpenLimit = TimeSpan.FromSeconds(20);

    private readonly IActorRef _imports;
    private readonly IActorRef _exports;
    private readonly IActorRef _meshDevices;
    private readonly Dictionary<string, Attachments.Attachment> _attached = new(StringComparer.Ordinal);
    private IActorRef? _vhci;
    private int _nextDevNum = 1000;

    public AttachmentsActor(IActorRef imports, IActorRef exports, IActorRef meshDevices)
    {
        _imports = imports;
        _exports = exports;
        _meshDevices = meshDevices;
        ReceiveAsync<Attachments.Attach>(attach => AnswerAsync(() => AttachAsync(attach)));
        ReceiveAsync<Attachments.Detach>(detach => AnswerAsync(() => DetachAsync(detach)));
        Receive<Attachments.List>(_ => Sender.Tell(new Attachments.Current([.. _attached.Values])));
        Receive<Terminated>(terminated =>
        {
            foreach (var attachment in _attached.Values.Where(a => a.Import.Equals(terminated.ActorRef)).ToList())
            {
                Ended(attachment);
            }
        });
        Receive<Vhci.Vhci.Detached>(detached =>
        {
            foreach (var attachment in _attached.Values.Where(a => a.To == Attachments.Target.Vhci && a.Where == $"port {detached.Port}").ToList())
            {
                Ended(attachment);
            }
        });
    }

    public static Props Props(IActorRef imports, IActorRef exports, IActorRef meshDevices) =>
        Actors.Props.Create(() => new AttachmentsActor(imports, exports, meshDevices));

    /// <summary>Whether this machine's kernel has vhci_hcd loaded.</summary>
    public static bool VhciAvailable => !OperatingSystem.IsWindows() && Directory.Exists("/sys/devices/platform/vhci_hcd.0");

    /// <summary>Tells the requester what <paramref name="work"/> came to, or why it failed.</summary>
    private async Task AnswerAsync(Func<Task<Attachments.Done>> work)
    {
        var requester = Sender;
        try
        {
            requester.Tell(await work());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            requester.Tell(new Status.Failure(Explained(e)));
        }
    }

    private async Task<Attachments.Done> AttachAsync(Attachments.Attach attach)
    {
        if (_attached.TryGetValue(attach.Name, out var existing))
        {
            throw ShellCommandException.Failed($"{attach.Name} is attached already ({Describe(existing)}); `detach {attach.Name}` first.");
        }

        if (attach.To == Attachments.Target.Vhci && !VhciAvailable)
        {
            throw ShellCommandException.Failed($"vhci_hcd is not loaded on this node (`modprobe vhci-hcd` as root loads it), so {attach.Name} cannot be handed to its kernel; `--to usbipd` offers it on the usbipd endpoint instead.");
        }

        var device = attach.Device;
        var opened = await _imports.Ask<object>(new Imports.Open(device.Origin, device.Device.BusId), OpenLimit).ConfigureAwait(true) switch
        {
            Imports.Opened o => o,
            Imports.OpenFailed failed => throw ShellCommandException.Failed($"Cannot attach {attach.Name}: {failed.Reason}."),
            var other => throw ShellCommandException.Failed($"Cannot attach {attach.Name}: unexpected answer {other}."),
        };
        var imports = await _imports.Ask<Imports.Current>(Imports.List.Instance, ShellServices.AskLimit).ConfigureAwait(true);
        var sessionId = imports.Imports.FirstOrDefault(i => i.Device.Equals(opened.Device))?.SessionId ?? Guid.Empty;
        string where;
        if (attach.To == Attachments.Target.Usbipd)
        {
            where = MeshExportsActor.BusIdOf(device);
            var offer = new UsbExport(where, $"/mesh/{device.Origin.Short}/{device.Device.BusId}", MeshExportsActor.BusNumber, ++_nextDevNum, opened.Device, ShareWith: []);
            if (await _exports.Ask<object>(new Exports.Register(offer), ShellServices.AskLimit).ConfigureAwait(true) is Exports.Rejected rejected)
            {
                opened.Device.Tell(ImportedDeviceActor.EndNow.Instance);
                throw ShellCommandException.Failed($"Cannot offer {attach.Name} on the usbipd endpoint: {rejected.Reason}.");
            }
        }
        else
        {
            where = await AttachToVhciAsync(attach.Name, opened.Device).ConfigureAwait(true);
        }

        Context.Watch(opened.Device);
        var attachment = new Attachments.Attachment(attach.Name, attach.To, where, sessionId, DateTimeOffset.UtcNow, opened.Device);
        _attached[attach.Name] = attachment;
        return new Attachments.Done($"Attached {attach.Name}: {Describe(attachment)}.");
    }

    private async Task<string> AttachToVhciAsync(string name, IActorRef import)
    {
        if (OperatingSystem.IsWindows())
        {
            throw ShellCommandException.Failed("vhci_hcd is a Linux driver.");
        }

        _vhci ??= Context.ActorOf(VhciActor.Props(), "vhci");
        switch (await _vhci.Ask<object>(new Vhci.Vhci.Attach(import, name), OpenLimit).ConfigureAwait(true))
        {
            case Vhci.Vhci.Attached attached:
                return $"port {attached.Port}";
            case Vhci.Vhci.AttachFailed failed:
                import.Tell(ImportedDeviceActor.EndNow.Instance);
                throw ShellCommandException.Failed($"Cannot attach {name} to vhci_hcd: {failed.Reason}.");
            case var other:
                import.Tell(ImportedDeviceActor.EndNow.Instance);
                throw ShellCommandException.Failed($"Cannot attach {name} to vhci_hcd: unexpected answer {other}.");
        }
    }

    private async Task<Attachments.Done> DetachAsync(Attachments.Detach detach)
    {
        if (_attached.TryGetValue(detach.Name, out var attachment))
        {
            if (attachment.To == Attachments.Target.Vhci && _vhci is not null && int.TryParse(attachment.Where.AsSpan("port ".Length), out var port))
            {
                await _vhci.Ask<object>(new Vhci.Vhci.Detach(port), ShellServices.AskLimit).ConfigureAwait(true);
            }

            await _imports.Ask<Imports.Closed>(new Imports.Close(attachment.SessionId), ShellServices.AskLimit).ConfigureAwait(true);
            Ended(attachment);
            return new Attachments.Done($"Detached {detach.Name}; node '{detach.Device?.OriginName ?? detach.Name}' releases it.");
        }

        // Imported some other way (a usbipd client through the device's proxy, an import rule): the import ends all the same.
        var imports = await _imports.Ask<Imports.Current>(Imports.List.Instance, ShellServices.AskLimit).ConfigureAwait(true);
        var import = detach.Device is { } device ? imports.Imports.FirstOrDefault(i => i.Node == device.Origin && i.BusId == device.Device.BusId) : null;
        if (import is null)
        {
            throw ShellCommandException.NotFound($"{detach.Name} is not attached to this node (`attach list`).");
        }

        await _imports.Ask<Imports.Closed>(new Imports.Close(import.SessionId), ShellServices.AskLimit).ConfigureAwait(true);
        return new Attachments.Done($"Ended the import of {detach.Name}; its node releases it.");
    }

    /// <summary>A failure as the operator reads it: a node that did not answer in time says so.</summary>
    private static ShellCommandException Explained(Exception e) => e switch
    {
        ShellCommandException shell => shell,
        AskTimeoutException => new ShellCommandException(UsbMesh.Shell.ShellErrors.Unavailable, $"A part of the node did not answer in time: {e.Message}"),
        _ => ShellCommandException.Failed(e.Message),
    };

    private void Ended(Attachments.Attachment attachment)
    {
        if (!_attached.Remove(attachment.Name))
        {
            return;
        }

        Context.Unwatch(attachment.Import);
        if (attachment.To == Attachments.Target.Usbipd)
        {
            // The device's proxy takes its place on the usbipd endpoint again.
            _meshDevices.Tell(new MeshExportsActor.Reoffer(attachment.Where));
        }
    }

    private static string Describe(Attachments.Attachment attachment) => attachment.To == Attachments.Target.Vhci
        ? $"in this node's kernel on vhci_hcd {attachment.Where}"
        : $"held by this node and offered on its usbipd endpoint as bus id {attachment.Where}";
}
