using UsbMesh.Usbipd;

namespace UsbMesh.Node.Shell;

/// <summary><c>devices list | info | share | unshare</c>: the devices of this node and of the mesh it sees.</summary>
internal static class DevicesPalette
{
    public static ShellPalette Create(ShellServices services) => new("devices", "Devices of this node and of the mesh.",
    [
        new(new("list", "This node's devices and those of other nodes it may import.", []), call => ListAsync(services, call)),
        new(new("info", "Everything known of one device.", [Arg.Positional("device", "The device, as node/bus-id.", 0)]), call => InfoAsync(services, call)),
        new(new("share", "Lets a peer see and import one of this node's devices (until the node restarts).",
            [Arg.Positional("device", "The device, as node/bus-id or bus-id.", 0), Arg.Switch("with", "The peer's name, or * for every trusted peer.", mandatory: true, shortSwitch: "-w")],
            RequiresAdmin: true), call => ShareAsync(services, call, share: true)),
        new(new("unshare", "Stops showing one of this node's devices to a peer (until the node restarts).",
            [Arg.Positional("device", "The device, as node/bus-id or bus-id.", 0), Arg.Switch("with", "The peer's name, or * for every peer.", mandatory: true, shortSwitch: "-w")],
            RequiresAdmin: true), call => ShareAsync(services, call, share: false)),
    ]);

    private static async Task ListAsync(ShellServices services, ShellInvocation call)
    {
        var entries = await DeviceCatalog.ListAsync(services, call.Cancellation).ConfigureAwait(false);
        await call.Output.TableAsync("devices", DeviceCatalog.Columns, entries.Select(DeviceCatalog.Row)).ConfigureAwait(false);
    }

    private static async Task InfoAsync(ShellServices services, ShellInvocation call)
    {
        var entry = DeviceCatalog.Find(await DeviceCatalog.ListAsync(services, call.Cancellation).ConfigureAwait(false), call.Required("device"), services.NodeName);
        var announced = entry.Announced;
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "device", entry.Device },
            new[] { "node", entry.Node },
            new[] { "vid-pid", ShellFormat.VidPid(announced.VendorId, announced.ProductId) },
            new[] { "class", $"0x{announced.DeviceClass:x2}" },
            new[] { "name", entry.Name },
            new[] { "speed", announced.Speed },
            new[] { "holder", entry.Holder },
            new[] { "shared-with", string.Join(",", entry.SharedWith) },
        };
        if (announced.Manufacturer is { } manufacturer)
        {
            rows.Add(["manufacturer", manufacturer]);
        }

        if (announced.Serial is { } serial)
        {
            rows.Add(["serial", serial]);
        }

        if (entry.Export is { } export && entry.Info is { } info)
        {
            rows.Add(["path", export.Path]);
            rows.Add(["configurations", ShellFormat.Number(info.Configurations.Count)]);
            rows.Add(["interfaces", string.Join(",", info.Configurations.SelectMany(c => c.Interfaces).Select(i => $"{i.InterfaceNumber}:0x{i.InterfaceClass:x2}").Distinct())]);
        }

        await call.Output.TableAsync("device", ["property", "value"], rows).ConfigureAwait(false);
    }

    private static async Task ShareAsync(ShellServices services, ShellInvocation call, bool share)
    {
        var entry = DeviceCatalog.Find(await DeviceCatalog.LocalAsync(services, call.Cancellation).ConfigureAwait(false), call.Required("device"), services.NodeName);
        var export = entry.Export!;
        var peer = call.Required("with");
        if (peer != "*" && services.Trust.Current.Find(peer) is null)
        {
            throw ShellCommandException.NotFound($"Node '{services.NodeName}' trusts no peer '{peer}' (`peers list`; `peers trust` adds one).");
        }

        var current = export.SharedWith;
        IReadOnlyList<string> next = share
            ? peer == "*" || current.Contains("*") ? ["*"] : [.. current.Append(peer).Distinct()]
            : peer == "*" ? []
            : current.Contains("*") ? [.. services.Trust.Current.Peers.Select(p => p.Name).Where(n => n != peer)]
            : [.. current.Where(n => n != peer)];
        var answer = await services.AskAsync<object>(services.Exports, new Exports.Register(export with { ShareWith = next }), "exports registry", call.Cancellation).ConfigureAwait(false);
        if (answer is Exports.Rejected rejected)
        {
            throw ShellCommandException.Failed($"The exports registry refused the change: {rejected.Reason}.");
        }

        await call.Output.LineAsync($"{entry.Device} is shared with {(next.Count == 0 ? "nobody" : string.Join(", ", next))}; the mesh learns it within {services.Settings.Mesh.GossipInterval.TotalSeconds:0.#} s. The export rules apply again when the node restarts.").ConfigureAwait(false);
    }
}
