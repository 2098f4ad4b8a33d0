using System.Runtime.Versioning;

namespace UsbMesh.Node.Tests;

/// <summary>
/// Real daemons on the loopback interface, each started from its own HOCON file, talking identity-bound TLS: a hub
/// that shares a keyboard with the desk only, a guest that may connect but is shown nothing, and an intruder nobody
/// trusts. They must find each other, show the keyboard where trust allows and nowhere else, refuse the intruder, and
/// converge again after a member is killed and comes back.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LoopbackMeshSpec : IAsyncLifetime
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(40);
    private readonly MeshDaemons _mesh = new();
    private readonly string _hub = $"127.0.0.1:{FreePorts.Loopback()}";
    private MeshNodeSpec _desk = null!;

    public Task InitializeAsync()
    {
        _mesh.Start(new MeshNodeSpec("hub", _hub, ["desk", "guest"], [_hub], ["{ type = keyboard, name = keys, share-with = [desk] }"]));
        _desk = new MeshNodeSpec("desk", $"127.0.0.1:{FreePorts.Loopback()}", ["hub", "guest"], [_hub], []);
        _mesh.Start(_desk);
        _mesh.Start(new MeshNodeSpec("guest", $"127.0.0.1:{FreePorts.Loopback()}", ["hub", "desk"], [_hub], []));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Three_nodes_find_each_other_and_see_devices_only_where_trust_allows()
    {
        foreach (var viewer in new[] { "hub", "desk", "guest" })
        {
            foreach (var subject in new[] { "hub", "desk", "guest" })
            {
                await _mesh.UpAsync(viewer, subject, Settle);
            }
        }

        var shown = await _mesh["desk"].WaitForLineAsync(l => l.Contains("The mesh shows this node 1 device(s)", StringComparison.Ordinal), Settle);
        Assert.Contains("hub/", shown);

        // The guest is a member and trusted by the hub, but the keyboard is not shared with it.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain("device(s):", _mesh["guest"].Stdout);
    }

    [Fact]
    public async Task A_node_nobody_trusts_is_refused_and_learns_why()
    {
        _mesh.Start(new MeshNodeSpec("intruder", $"127.0.0.1:{FreePorts.Loopback()}", ["hub"], [_hub], []));

        var refused = await _mesh["intruder"].WaitForLineAsync(l => l.Contains("Cannot join the mesh through seed node", StringComparison.Ordinal), Settle);

        Assert.Contains("refused", refused);
        await _mesh.UpAsync("hub", "desk", Settle);
        Assert.DoesNotContain("intruder", _mesh["hub"].Stdout);
    }

    [Fact]
    public async Task A_killed_member_is_downed_and_its_restart_joins_again()
    {
        await _mesh.UpAsync("hub", "desk", Settle);

        await _mesh.KillAsync("desk");
        await _mesh["hub"].WaitForLineAsync(l => MeshDaemons.IsMemberLine(l, "desk", "is down"), Settle);
        _mesh.Start(_desk);

        await _mesh["hub"].WaitForLineAsync(l => MeshDaemons.IsMemberLine(l, "desk", "is up") && l != _mesh["hub"].Stdout.Split('\n').First(x => MeshDaemons.IsMemberLine(x, "desk", "is up")), Settle);
        await _mesh.UpAsync("desk", "guest", Settle);
        await _mesh["desk"].WaitForLineAsync(l => l.Contains("The mesh shows this node 1 device(s)", StringComparison.Ordinal), Settle);
    }
}
