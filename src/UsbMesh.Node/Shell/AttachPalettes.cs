using UsbMesh.Actors;

namespace UsbMesh.Node.Shell;

/// <summary>
/// <c>attach &lt;device&gt; [--to vhci|usbipd]</c>, <c>attach list</c> and <c>detach &lt;device&gt;</c>: devices of
/// other nodes brought to this one (<see cref="AttachmentsActor"/>).
/// </summary>
internal static class AttachPalettes
{
    /// <summary>Attaching waits for the other node's session, which has its own time limits below this.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    public static ShellPalette Attach(ShellServices services, IActorRef attachments) => new("attach", "Brings a device of another node to this one.",
    [
        new(new("device", "Imports a device of another node and attaches it here.",
            [
                Arg.Positional("device", "The device, as node/bus-id (`devices list`).", 0),
                Arg.Switch("to", "vhci: into this node's kernel (needs vhci-hcd); usbipd: held here and offered on the usbipd endpoint. Default: vhci when loaded, else usbipd.", shortSwitch: "-t"),
            ], RequiresAdmin: true), call => AttachAsync(services, attachments, call)),
        new(new("list", "The devices attached here and where they are.", []), call => ListAsync(attachments, call)),
    ], defaultCommand: "device");

    public static ShellPalette Detach(ShellServices services, IActorRef attachments) => new("detach", "Ends the import of a device of another node.",
    [
        new(new("device", "Detaches a device attached here; its node releases it.",
            [Arg.Positional("device", "The device, as node/bus-id (`attach list`).", 0)], RequiresAdmin: true),
            call => DetachAsync(services, attachments, call)),
    ], defaultCommand: "device");

    private static async Task AttachAsync(ShellServices services, IActorRef attachments, ShellInvocation call)
    {
        var name = call.Required("device");
        var target = call.Request.Get("to") switch
        {
            null or "" => AttachmentsActor.VhciAvailable ? Attachments.Target.Vhci : Attachments.Target.Usbipd,
            "vhci" => Attachments.Target.Vhci,
            "usbipd" => Attachments.Target.Usbipd,
            var other => throw ShellCommandException.Usage($"--to takes vhci or usbipd, not '{other}'."),
        };
        var device = await FindRemoteAsync(services, name, call.Cancellation).ConfigureAwait(false);
        var done = await call.Output.WaitingAsync($"Attaching {device.Device}",
            attachments.Ask<Attachments.Done>(new Attachments.Attach(device.Device, device.Visible!, target), Limit, call.Cancellation)).ConfigureAwait(false);
        await call.Output.LineAsync(done.Message).ConfigureAwait(false);
    }

    private static async Task DetachAsync(ShellServices services, IActorRef attachments, ShellInvocation call)
    {
        var name = call.Required("device");
        var remote = await DeviceCatalog.RemoteAsync(services, call.Cancellation).ConfigureAwait(false);
        var device = remote.FirstOrDefault(d => d.Device == name);
        var done = await call.Output.WaitingAsync($"Detaching {name}",
            attachments.Ask<Attachments.Done>(new Attachments.Detach(name, device?.Visible), Limit, call.Cancellation)).ConfigureAwait(false);
        await call.Output.LineAsync(done.Message).ConfigureAwait(false);
    }

    private static async Task ListAsync(IActorRef attachments, ShellInvocation call)
    {
        var current = await attachments.Ask<Attachments.Current>(Attachments.List.Instance, ShellServices.AskLimit, call.Cancellation).ConfigureAwait(false);
        await call.Output.TableAsync("attachments", ["device", "to", "where", "session", "since"], current.Items.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a =>
            (IReadOnlyList<string>)[a.Name, a.To.ToString().ToLowerInvariant(), a.Where, SessionsPalette.ShortId(a.SessionId), ShellFormat.Time(a.Since)])).ConfigureAwait(false);
    }

    private static async Task<DeviceEntry> FindRemoteAsync(ShellServices services, string name, CancellationToken cancellation)
    {
        var all = await DeviceCatalog.ListAsync(services, cancellation).ConfigureAwait(false);
        var device = DeviceCatalog.Find(all, name, services.NodeName);
        return device.IsLocal
            ? throw ShellCommandException.Usage($"{device.Device} is a device of this node: attach it from the node that is to use it (`usbmesh --node <peer> attach {device.Device}`).")
            : device;
    }
}
