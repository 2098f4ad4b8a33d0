using UsbMesh.Mesh.Membership;
using UsbMesh.Sessions;

namespace UsbMesh.Node.Shell;

/// <summary><c>node status | identity | config</c>: what this node is and how it is configured.</summary>
internal static class NodePalette
{
    public static ShellPalette Create(ShellServices services) => new("node", "This node: its state, identity and configuration.",
    [
        new(new("status", "The node's name, id, uptime and counts of members, devices, sessions and imports.", []), call => StatusAsync(services, call)),
        new(new("identity", "The node's id (what peers list in their trust settings) and where its key is.", []), call => IdentityAsync(services, call)),
        new(new("config", "The configuration the node runs with, merged, each value with where it was set.",
            [Arg.Flag("no-origins", "Leave out where each value was set.")]), call => ConfigAsync(services, call)),
    ]);

    private static async Task StatusAsync(ShellServices services, ShellInvocation call)
    {
        var state = (await services.AskAsync<MeshMembership.CurrentState>(services.Mesh, MeshMembership.GetState.Instance, "membership", call.Cancellation).ConfigureAwait(false)).State;
        var devices = await DeviceCatalog.LocalAsync(services, call.Cancellation).ConfigureAwait(false);
        var sessions = await services.AskAsync<ClientSessions.Current>(services.Sessions, ClientSessions.List.Instance, "sessions", call.Cancellation).ConfigureAwait(false);
        var imports = await services.AskAsync<Imports.Current>(services.Imports, Imports.List.Instance, "imports", call.Cancellation).ConfigureAwait(false);
        var up = state.Members.Count(m => state.DisplayedStatusOf(m.Id, services.Identity.Id) == DisplayedStatus.Up);
        await call.Output.TableAsync("node", ["name", "id", "uptime", "members", "devices", "sessions", "imports"],
        [
            [
                services.NodeName, services.Identity.Id.ToString(), ShellFormat.Duration(services.System.Uptime), ShellFormat.Number(up),
                ShellFormat.Number(devices.Count), ShellFormat.Number(sessions.Sessions.Count), ShellFormat.Number(imports.Imports.Count),
            ],
        ]).ConfigureAwait(false);
    }

    private static Task IdentityAsync(ShellServices services, ShellInvocation call) =>
        call.Output.TableAsync("identity", ["name", "id", "key-file"],
            [[services.NodeName, services.Identity.Id.ToString(), services.Settings.IdentityKeyFile]]);

    private static async Task ConfigAsync(ShellServices services, ShellInvocation call)
    {
        var text = services.Config.Render(withOrigins: !call.Request.Flag("no-origins"));
        foreach (var line in text.Split('\n'))
        {
            await call.Output.LineAsync(line.TrimEnd('\r')).ConfigureAwait(false);
        }
    }
}
