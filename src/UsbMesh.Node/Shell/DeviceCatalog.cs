using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Sessions;
using UsbMesh.Usbipd;
using UsbExport = UsbMesh.Usbipd.ExportedDevice;

namespace UsbMesh.Node.Shell;

/// <summary>One device as the shell shows it: this node's own exports and the devices of the mesh it may import.</summary>
/// <param name="Device">How commands name it: <c>node/bus-id</c>.</param>
/// <param name="Node">The node that exports it.</param>
/// <param name="Announced">What it is.</param>
/// <param name="Holder">Who uses it now (a node name, "local" for a client of this node's usbipd endpoint), or empty.</param>
/// <param name="SharedWith">Who may import it, as names.</param>
/// <param name="Export">This node's export of it, for local devices.</param>
/// <param name="Info">Its full description, for local devices.</param>
/// <param name="Visible">The mesh's announcement of it, for devices of other nodes.</param>
internal sealed record DeviceEntry(
    string Device, string Node, AnnouncedDevice Announced, string Holder, IReadOnlyList<string> SharedWith,
    UsbExport? Export = null, UsbDevice.Info? Info = null, VisibleDevice? Visible = null)
{
    public bool IsLocal => Export is not null;

    public string Name => Announced.Product ?? Visible?.AnnouncedName ?? "";
}

/// <summary>Gathers <see cref="DeviceEntry"/> rows from the exports registry, the sessions and the mesh directory.</summary>
internal static class DeviceCatalog
{
    public static readonly string[] Columns = ["device", "node", "vid-pid", "name", "speed", "holder", "shared-with"];

    public static IReadOnlyList<string> Row(DeviceEntry entry) =>
    [
        entry.Device, entry.Node, ShellFormat.VidPid(entry.Announced.VendorId, entry.Announced.ProductId), entry.Name,
        entry.Announced.Speed, entry.Holder, string.Join(",", entry.SharedWith),
    ];

    public static async Task<IReadOnlyList<DeviceEntry>> ListAsync(ShellServices services, CancellationToken cancellation)
    {
        var entries = new List<DeviceEntry>();
        entries.AddRange(await LocalAsync(services, cancellation).ConfigureAwait(false));
        entries.AddRange(await RemoteAsync(services, cancellation).ConfigureAwait(false));
        return entries;
    }

    /// <summary>This node's exports (not the devices of the mesh its usbipd endpoint offers).</summary>
    public static async Task<IReadOnlyList<DeviceEntry>> LocalAsync(ShellServices services, CancellationToken cancellation)
    {
        var exports = await services.AskAsync<Exports.Devices>(services.Exports, Exports.List.Instance, "exports registry", cancellation).ConfigureAwait(false);
        var sessions = await services.AskAsync<ClientSessions.Current>(services.Sessions, ClientSessions.List.Instance, "sessions", cancellation).ConfigureAwait(false);
        var entries = new List<DeviceEntry>();
        foreach (var export in exports.Items.Where(e => e.BusNum != MeshExportsActor.BusNumber))
        {
            UsbDevice.Info info;
            try
            {
                info = await export.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, ShellServices.AskLimit, cancellation).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                // Unplugged meanwhile, or busy: left out, as the mesh's announcement leaves it out.
                continue;
            }

            var importer = sessions.Sessions.FirstOrDefault(s => s.BusId == export.BusId);
            var holder = importer is not null ? services.NameOf(importer.Importer) : info.Holder is null ? "" : "local";
            entries.Add(new DeviceEntry($"{services.NodeName}/{export.BusId}", services.NodeName, LocalDevicesPublisher.Describe(export, info),
                holder, export.SharedWith, export, info));
        }

        return entries;
    }

    /// <summary>The devices of other nodes this node may see and import.</summary>
    public static async Task<IReadOnlyList<DeviceEntry>> RemoteAsync(ShellServices services, CancellationToken cancellation)
    {
        var visible = await services.AskAsync<MeshDirectory.Visible>(services.Mesh, MeshDirectory.GetVisible.Instance, "device directory", cancellation).ConfigureAwait(false);
        var imports = await services.AskAsync<Imports.Current>(services.Imports, Imports.List.Instance, "imports", cancellation).ConfigureAwait(false);
        return [.. visible.Devices.Select(device =>
        {
            var held = imports.Imports.Any(i => i.Node == device.Origin && i.BusId == device.Device.BusId);
            var audience = device.Device.Audience.Select(id => id == services.Identity.Id ? services.NodeName : services.NameOf(id)).ToList();
            return new DeviceEntry($"{device.OriginName}/{device.Device.BusId}", device.OriginName, device.Device,
                held ? services.NodeName : "", audience, Visible: device);
        })];
    }

    /// <summary>
    /// The device <paramref name="name"/> names: <c>node/bus-id</c>, or a bare bus id of this node's own.
    /// </summary>
    public static DeviceEntry Find(IReadOnlyList<DeviceEntry> entries, string name, string self)
    {
        var qualified = name.Contains('/', StringComparison.Ordinal) ? name : $"{self}/{name}";
        return entries.FirstOrDefault(e => e.Device == qualified)
            ?? throw ShellCommandException.NotFound(
                $"No device '{name}' on this node or in the mesh it sees. Devices: {(entries.Count == 0 ? "none" : string.Join(", ", entries.Select(e => e.Device)))} (`devices list`).");
    }
}
