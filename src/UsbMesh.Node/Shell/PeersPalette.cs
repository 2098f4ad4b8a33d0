using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Membership;
using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary><c>peers list | trust | untrust</c>: the members of the mesh and whom this node trusts.</summary>
internal static class PeersPalette
{
    public static readonly string[] Columns = ["name", "id", "state", "address", "admin", "rtt-ms"];

    /// <summary>How long a peer may take to echo the round-trip probe before its rtt is left empty.</summary>
    private static readonly TimeSpan RttLimit = TimeSpan.FromSeconds(1);

    public static ShellPalette Create(ShellServices services) => new("peers", "The mesh's members and the peers this node trusts.",
    [
        new(new("list", "Every member of the mesh and every trusted peer, with its state as this node sees it.", []), call => ListAsync(services, call)),
        new(new("trust", "Trusts a peer from now on (kept in the trust store across restarts).",
            [
                Arg.Positional("name", "The name this node will use for it (share-with, relay.allow, --node).", 0),
                Arg.Positional("id", "Its node id, as `node identity` shows it there.", 1),
                Arg.Flag("admin", "Let it run commands that change this node."),
            ], RequiresAdmin: true), call => TrustAsync(services, call)),
        new(new("untrust", "Stops trusting a peer added with `peers trust`.",
            [Arg.Positional("peer", "Its name or id.", 0)], RequiresAdmin: true), call => UntrustAsync(services, call)),
    ]);

    private static async Task ListAsync(ShellServices services, ShellInvocation call)
    {
        var state = (await services.AskAsync<MeshMembership.CurrentState>(services.Mesh, MeshMembership.GetState.Instance, "membership", call.Cancellation).ConfigureAwait(false)).State;
        var trust = services.Trust.Current;
        var self = services.Identity.Id;
        var members = state.Members.OrderBy(m => m.Id == self ? 0 : 1).ThenBy(m => services.NameOf(m.Id), StringComparer.Ordinal).ToList();
        var statuses = members.Select(m => state.DisplayedStatusOf(m.Id, self)).ToList();
        // Measured at once for every reachable peer, so a slow one costs the list its own time only.
        var rtts = await Task.WhenAll(members.Select((m, i) => m.Id != self && statuses[i] is DisplayedStatus.Up or DisplayedStatus.Joining or DisplayedStatus.Leaving
            ? RttProbe.MeasureAsync(services.Remoting, m.Id, RttLimit, call.Cancellation)
            : Task.FromResult<double?>(null))).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<string>>();
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            var admin = member.Id == self || trust.IsAdmin(member.Id);
            var name = member.Id == self ? services.NodeName : trust.Find(member.Id)?.Name ?? member.Name;
            rows.Add([name, member.Id.ToString(), statuses[i]?.ToString().ToLowerInvariant() ?? "", member.Addresses.FirstOrDefault() ?? "",
                ShellFormat.YesNo(admin), rtts[i] is { } rtt ? ShellFormat.Number(Math.Round(rtt, 3)) : ""]);
        }

        foreach (var peer in trust.Peers.Where(p => state.Find(p.Id) is null))
        {
            rows.Add([peer.Name, peer.Id.ToString(), "not a member", "", ShellFormat.YesNo(peer.Admin), ""]);
        }

        await call.Output.TableAsync("peers", Columns, rows).ConfigureAwait(false);
    }

    private static async Task TrustAsync(ShellServices services, ShellInvocation call)
    {
        var name = call.Required("name");
        if (!NodeId.TryParse(call.Required("id"), out var id, out var error))
        {
            throw ShellCommandException.Usage($"'{call.Required("id")}' is not a node id: {error}.");
        }

        if (id == services.Identity.Id)
        {
            throw ShellCommandException.Usage($"'{id.Short}…' is this node's own id.");
        }

        var admin = call.Request.Flag("admin");
        try
        {
            services.Trust.Add(name, id, admin);
        }
        catch (ArgumentException e)
        {
            throw ShellCommandException.Failed($"Cannot trust '{name}': {e.Message}.");
        }
        catch (IOException e)
        {
            throw ShellCommandException.Failed($"Cannot save the trust store: {e.Message}.");
        }

        await call.Output.LineAsync($"Node '{services.NodeName}' trusts '{name}' ({id.Short}…){(admin ? " with the admin right" : "")}; kept in {services.Settings.Trust.StoreFile}.").ConfigureAwait(false);
    }

    private static async Task UntrustAsync(ShellServices services, ShellInvocation call)
    {
        var key = call.Required("peer");
        var peer = services.Trust.Current.Find(key)
            ?? (NodeId.TryParse(key, out var id, out _) ? services.Trust.Current.Find(id) : null)
            ?? throw ShellCommandException.NotFound($"Node '{services.NodeName}' trusts no peer '{key}' (`peers list`).");
        try
        {
            services.Trust.Remove(peer.Name);
        }
        catch (InvalidOperationException e)
        {
            throw new ShellCommandException(ShellErrors.Failed, $"Cannot untrust '{peer.Name}': {e.Message}.");
        }
        catch (IOException e)
        {
            throw ShellCommandException.Failed($"Cannot save the trust store: {e.Message}.");
        }

        // A connection already open was trusted when it was made: close it, so the peer keeps nothing it was given;
        // it is refused at its next handshake.
        services.Remoting.NodeDown(peer.Id, "no longer trusted");
        await call.Output.LineAsync($"Node '{services.NodeName}' no longer trusts '{peer.Name}': its connection is closed and it is refused from now on.").ConfigureAwait(false);
    }
}
