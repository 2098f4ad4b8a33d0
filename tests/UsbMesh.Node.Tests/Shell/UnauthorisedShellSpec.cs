using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Transport;
using UsbMesh.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary>
/// Peers that may not change the hub try to: the desk (trusted, without the admin right) sends every admin command
/// over the mesh, and a stranger (a well-formed identity the hub does not trust) tries to reach the shell at all. The
/// hub refuses each with the reason, stays as it was, and keeps serving its honest peers.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class UnauthorisedShellSpec(ShellMesh mesh) : IClassFixture<ShellMesh>
{
    /// <summary>
    /// Arguments that would change the hub if the command ran, for every admin command it offers. A new admin command
    /// without an entry fails the test, so none goes untried.
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Attempts = new(StringComparer.Ordinal)
    {
        ["attach device"] = new() { ["device"] = "desk/1-1", ["to"] = "usbipd" },
        ["detach device"] = new() { ["device"] = "desk/1-1" },
        ["devices share"] = new() { ["device"] = "hub/100-2", ["with"] = "*" },
        ["devices unshare"] = new() { ["device"] = "hub/100-1", ["with"] = "*" },
        ["gadgets create"] = new() { ["type"] = "keyboard", ["name"] = "planted" },
        ["gadgets type"] = new() { ["gadget"] = "keys", ["text"] = "rm -rf ~\n" },
        ["node config"] = [],
        ["peers trust"] = new() { ["name"] = "mallory", ["id"] = NodeIdentity.Generate().Id.ToString(), ["admin"] = "true" },
        ["peers untrust"] = new() { ["peer"] = "guest" },
        ["sessions kill"] = new() { ["id"] = "0" },
    };

    [Fact]
    public async Task Every_admin_command_of_a_peer_without_the_admin_right_is_denied_naming_the_right_and_changes_nothing()
    {
        await using var hubShell = await mesh.ConnectAsync("hub");
        var adminCommands = hubShell.Welcome.Palettes
            .SelectMany(p => p.Commands.Where(c => c.RequiresAdmin).Select(c => $"{p.Name} {c.Name}"))
            .ToList();
        Assert.Equal(Attempts.Keys.Order(StringComparer.Ordinal), adminCommands.Order(StringComparer.Ordinal));
        var before = await StateOfHubAsync();

        foreach (var command in adminCommands)
        {
            var words = command.Split(' ');
            var result = await mesh.RunAsync("desk", words[0], words[1], Attempts[command], on: "hub");

            Assert.True(result.ExitCode == ShellErrors.ExitDenied, $"{command}: {result}");
            var error = Assert.Single(result.Errors);
            Assert.Equal(ShellErrors.Denied, error.Code);
            Assert.Contains($"peer 'desk' has no admin right on node 'hub' (trust.peers: admin = on grants it), which '{command}' needs", error.Message, StringComparison.Ordinal);
        }

        // Setting the log level checks the right inside the command (reading it is open to every trusted peer).
        var level = await mesh.RunAsync("desk", "log", "level", new Dictionary<string, string> { ["level"] = "off" }, on: "hub");
        Assert.Equal(ShellErrors.ExitDenied, level.ExitCode);
        Assert.Contains("has no admin right on node 'hub'", Assert.Single(level.Errors).Message, StringComparison.Ordinal);

        Assert.Equal(before, await StateOfHubAsync());
        await HonestPeersAreServedAsync();
    }

    [Fact]
    public async Task A_peer_the_hub_does_not_trust_cannot_open_a_connection_let_alone_the_shell()
    {
        var stranger = NodeIdentity.Generate();
        await using var transport = new TlsTransport(stranger, _ => null, new MultiplexerOptions(), ShellMesh.Bound);

        var refused = await Assert.ThrowsAsync<TransportException>(
            () => transport.AssociateAsync(mesh.MeshEndpointOf("hub"), mesh.Ids["hub"], CancellationToken.None).WaitAsync(ShellMesh.Bound));

        // It learns that it was refused and why, and nothing else: no association means no lane, no shell, no gossip.
        Assert.Contains("refused the connection: this node does not trust it (usbmesh.trust.peers)", refused.Message, StringComparison.Ordinal);
        var peers = await mesh.TableAsync("hub", "peers", "list");
        Assert.DoesNotContain(peers.Rows, r => r[1].StartsWith(stranger.Id.Short, StringComparison.Ordinal) || r[1] == stranger.Id.ToString());
        await HonestPeersAreServedAsync();
    }

    [Fact]
    public async Task A_peer_speaking_the_shell_protocol_itself_is_held_to_the_same_rules_and_cannot_relay_through_the_hub()
    {
        // A peer trusted without the admin right, running a client of its own (no node of its own filters what it
        // sends): it opens the shell lane to the hub directly and asks for an admin command, and for a command the
        // hub should pass on to the guest, where it would run with the hub's standing.
        var rogue = NodeIdentity.Generate();
        var trusted = await mesh.RunAsync("hub", "peers", "trust", new Dictionary<string, string> { ["name"] = "rogue", ["id"] = rogue.Id.ToString() });
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        var before = await StateOfHubAsync();
        var system = ActorSystem.Create("rogue");
        ShellResult relayed, untrust;
        try
        {
            var transport = new TlsTransport(rogue, _ => null, new MultiplexerOptions(), ShellMesh.Bound);
            await using var remoting = new Remoting(system, rogue.Id, [transport], new MessageSerializers(), RemotingSettings.Default);
            remoting.AddAddresses(mesh.Ids["hub"], [mesh.MeshEndpointOf("hub")]);
            using var timeout = new CancellationTokenSource(ShellMesh.Bound);
            var lane = await remoting.OpenLaneAsync(mesh.Ids["hub"], "shell", timeout.Token);
            await using var shell = await ShellClient.ConnectAsync(new LaneStream(lane), "rogue", timeout.Token);

            relayed = await ShellResult.RunAsync(shell, new CommandRequest("peers", "untrust", new Dictionary<string, string> { ["peer"] = "hub" }, "guest"));
            untrust = await ShellResult.RunAsync(shell, new CommandRequest("peers", "untrust", new Dictionary<string, string> { ["peer"] = "guest" }));
        }
        finally
        {
            await system.Terminate().WaitAsync(ShellMesh.Bound);
        }

        Assert.Equal(ShellErrors.ExitDenied, relayed.ExitCode);
        Assert.Contains("runs the commands of peers itself and does not pass them on to node 'guest'", Assert.Single(relayed.Errors).Message, StringComparison.Ordinal);
        Assert.Equal(ShellErrors.ExitDenied, untrust.ExitCode);
        Assert.Contains("peer 'rogue' has no admin right on node 'hub'", Assert.Single(untrust.Errors).Message, StringComparison.Ordinal);
        Assert.Equal(before, await StateOfHubAsync());
        Assert.Equal(0, (await mesh.RunAsync("hub", "peers", "untrust", new Dictionary<string, string> { ["peer"] = "rogue" })).ExitCode);
        await HonestPeersAreServedAsync();
    }

    /// <summary>What an admin command of the desk could have changed on the hub, as its own admin socket shows it.</summary>
    private async Task<string> StateOfHubAsync()
    {
        var devices = await mesh.TableAsync("hub", "devices", "list");
        var peers = await mesh.TableAsync("hub", "peers", "list");
        var gadgets = await mesh.TableAsync("hub", "gadgets", "list");
        var sessions = await mesh.TableAsync("hub", "sessions", "list");
        var attached = await mesh.TableAsync("hub", "attach", "list");
        var level = await mesh.RunAsync("hub", "log", "level");
        return string.Join("\n", [
            .. devices.Rows.Select(r => string.Join(" ", r)),
            .. peers.Rows.Select(r => $"{r[0]} {r[1]} admin={r[4]}"),
            .. gadgets.Rows.Select(r => string.Join(" ", r)),
            $"{sessions.Rows.Count} sessions, {attached.Rows.Count} attached",
            level.Text,
        ]);
    }

    /// <summary>The hub still answers its trusted peers: the desk's reads and the guest's admin commands.</summary>
    private async Task HonestPeersAreServedAsync()
    {
        var status = await mesh.RunAsync("desk", "node", "status", on: "hub");
        var config = await mesh.RunAsync("guest", "node", "config", on: "hub");
        var seen = await mesh.TableAsync("desk", "devices", "list");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.True(config.ExitCode == 0, config.ToString());
        Assert.Contains(seen.Rows, r => r[0] == "hub/100-1");
    }
}
