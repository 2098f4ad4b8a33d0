using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary>The command host of three real nodes, driven through their admin sockets.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ShellHostSpec(ShellMesh mesh) : IClassFixture<ShellMesh>
{
    [Fact]
    public async Task Node_status_names_the_node_and_counts_its_members_and_devices()
    {
        var table = await mesh.TableAsync("hub", "node", "status");

        Assert.Equal("node", table.Title);
        Assert.Equal(["name", "id", "uptime", "members", "devices", "sessions", "imports"], table.Columns);
        var row = Assert.Single(table.Rows);
        Assert.Equal("hub", row[0]);
        Assert.Equal(mesh.Ids["hub"].ToString(), row[1]);
        Assert.Equal("3", row[3]);
        Assert.Equal("2", row[4]);
    }

    [Fact]
    public async Task Peers_list_shows_the_three_nodes_up_with_their_admin_right()
    {
        var table = await mesh.TableAsync("hub", "peers", "list");

        Assert.Equal(["name", "id", "state", "address", "admin", "rtt-ms"], table.Columns);
        Assert.Equal(["desk", "guest", "hub"], table.Rows.Select(r => r[0]).Order());
        Assert.All(table.Rows, r => Assert.Equal("up", r[2]));
        Assert.Equal("no", table.Rows.Single(r => r[0] == "desk")[4]);
        Assert.Equal("yes", table.Rows.Single(r => r[0] == "guest")[4]);
        // Measured unless a peer took over a second to echo (a machine under heavy load).
        var rtts = table.Rows.Where(r => r[0] != "hub" && r[5].Length > 0).Select(r => double.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(rtts);
        Assert.All(rtts, rtt => Assert.True(rtt > 0));
    }

    [Fact]
    public async Task Devices_list_shows_the_hubs_devices_on_every_node()
    {
        var onHub = await mesh.TableAsync("hub", "devices", "list");
        var onDesk = await mesh.TableAsync("desk", "devices", "list");

        Assert.Equal(["device", "node", "vid-pid", "name", "speed", "holder", "shared-with"], onDesk.Columns);
        Assert.Contains(onHub.Rows, r => r[0] == "hub/100-1" && r[3] == "stick");
        Assert.Contains(onDesk.Rows, r => r[0] == "hub/100-1" && r[1] == "hub" && r[2] == "1209:0002");
        Assert.Contains(onDesk.Rows, r => r[0] == "hub/100-2" && r[2] == "1209:0003");
    }

    [Fact]
    public async Task A_command_for_another_node_runs_there_and_streams_back()
    {
        var table = await mesh.TableAsync("desk", "node", "status", on: "hub");

        Assert.Equal("hub", table.Rows[0][0]);
    }

    [Fact]
    public async Task An_unknown_node_is_not_found()
    {
        var result = await mesh.RunAsync("desk", "node", "status", on: "nowhere");

        Assert.Equal(ShellErrors.ExitNotFound, result.ExitCode);
        Assert.Contains("nowhere", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_command_of_a_peer_without_the_admin_right_is_denied_and_says_why()
    {
        var arguments = new Dictionary<string, string> { ["device"] = "hub/100-2", ["with"] = "desk" };

        var denied = await mesh.RunAsync("desk", "devices", "share", arguments, on: "hub");
        var allowed = await mesh.RunAsync("guest", "devices", "share", arguments, on: "hub");

        Assert.Equal(ShellErrors.ExitDenied, denied.ExitCode);
        var error = Assert.Single(denied.Errors);
        Assert.Equal(ShellErrors.Denied, error.Code);
        Assert.Contains("peer 'desk' has no admin right on node 'hub'", error.Message, StringComparison.Ordinal);
        Assert.Contains("admin = on", error.Message, StringComparison.Ordinal);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
    }

    [Fact]
    public async Task A_malformed_frame_closes_only_its_own_connection()
    {
        await using var good = await mesh.ConnectAsync("hub");
        using (var bad = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            await bad.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(mesh.SocketOf("hub")));
            await using var stream = new System.Net.Sockets.NetworkStream(bad);
            await stream.WriteAsync(new byte[] { 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 });
            var answer = await ShellFraming.ReadAsync(stream).AsTask().WaitAsync(ShellMesh.Bound);
            Assert.Equal(ShellErrors.Usage, Assert.IsType<ShellFrame.Error>(answer).Code);
            // Closed: the end of the stream, or a reset since the node closed it with the rest of the bad frame unread.
            try
            {
                Assert.Null(await ShellFraming.ReadAsync(stream).AsTask().WaitAsync(ShellMesh.Bound));
            }
            catch (IOException)
            {
            }
        }

        var result = await ShellResult.RunAsync(good, new CommandRequest("node", "status", new Dictionary<string, string>()));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Attach_to_usbipd_imports_a_device_both_nodes_list_until_it_is_detached()
    {
        var device = new Dictionary<string, string> { ["device"] = "hub/100-1" };

        var attached = await mesh.RunAsync("desk", "attach", "device", new Dictionary<string, string>(device) { ["to"] = "usbipd" });

        Assert.True(attached.ExitCode == 0, attached.ToString());
        Assert.Contains("usbipd endpoint as bus id hub:100-1", attached.Text, StringComparison.Ordinal);
        // The wait is reported as progress of unknown length, then full, so the client can show it while it lasts.
        var progress = attached.Frames.OfType<ShellFrame.Progress>().ToList();
        Assert.Equal([("Attaching hub/100-1", 0L, 0L), ("Attaching hub/100-1", 1L, 1L)], progress.Select(p => (p.Label, p.Done, p.Total)));
        var imported = Assert.Single((await mesh.TableAsync("desk", "sessions", "list")).Rows, r => r[1] == "hub/100-1");
        Assert.Equal(["hub", "import", "up"], imported.Skip(2).Take(3));
        await ShellMesh.WaitUntilAsync(async () =>
            (await mesh.TableAsync("hub", "sessions", "list")).Rows.Any(r => r[0] == imported[0] && r[1] == "hub/100-1" && r[2] == "desk" && r[3] == "export" && r[4] == "up"));
        Assert.Contains((await mesh.TableAsync("desk", "devices", "list")).Rows, r => r[0] == "hub/100-1" && r[5] == "desk");
        Assert.Contains((await mesh.TableAsync("desk", "attach", "list")).Rows, r => r[0] == "hub/100-1" && r[1] == "usbipd");

        var detached = await mesh.RunAsync("desk", "detach", "device", device);

        Assert.True(detached.ExitCode == 0, detached.ToString());
        await ShellMesh.WaitUntilAsync(async () =>
            !(await mesh.TableAsync("hub", "sessions", "list")).Rows.Any(r => r[1] == "hub/100-1")
            && !(await mesh.TableAsync("desk", "sessions", "list")).Rows.Any(r => r[1] == "hub/100-1"));
        Assert.Empty((await mesh.TableAsync("desk", "attach", "list")).Rows);
    }

    [Fact]
    public async Task Attach_to_vhci_without_vhci_hcd_says_what_to_do()
    {
        if (Directory.Exists("/sys/devices/platform/vhci_hcd.0"))
        {
            return; // A kernel with vhci_hcd would take the device: nothing to refuse here.
        }

        var result = await mesh.RunAsync("guest", "attach", "device", new Dictionary<string, string> { ["device"] = "hub/100-2", ["to"] = "vhci" });

        Assert.Equal(ShellErrors.ExitFailed, result.ExitCode);
        Assert.Contains("--to usbipd", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gadgets_type_queues_text_on_an_emulated_keyboard()
    {
        var typed = await mesh.RunAsync("hub", "gadgets", "type", new Dictionary<string, string> { ["gadget"] = "keys", ["text"] = "hi" });

        Assert.True(typed.ExitCode == 0, typed.ToString());
        Assert.Contains("Typed 2 characters on 'keys'", typed.Text, StringComparison.Ordinal);
        var keys = Assert.Single((await mesh.TableAsync("hub", "gadgets", "list")).Rows, r => r[0] == "keys");
        Assert.Equal(["keyboard", "hub/100-2"], keys.Skip(1).Take(2));
        Assert.True(int.Parse(keys[3], System.Globalization.CultureInfo.InvariantCulture) >= 4, "a press and a release per character");
    }

    [Fact]
    public async Task Gadgets_type_on_a_gadget_that_is_no_keyboard_says_so()
    {
        var result = await mesh.RunAsync("hub", "gadgets", "type", new Dictionary<string, string> { ["gadget"] = "stick", ["text"] = "x" });

        Assert.Equal(ShellErrors.ExitFailed, result.ExitCode);
        Assert.Contains("not a keyboard", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Actor_hierarchy_shows_the_tree_indented()
    {
        var result = await mesh.RunAsync("hub", "actor", "hierarchy");

        var lines = result.Text.Split('\n');
        Assert.Equal("user", lines[0]);
        Assert.Contains("  shell", lines);
        Assert.Contains("    attachments", lines);
        Assert.Contains("  gadgets", lines);
    }

    [Fact]
    public async Task Log_level_shows_the_running_level_and_peers_without_admin_may_not_set_it()
    {
        var shown = await mesh.RunAsync("hub", "log", "level");
        var denied = await mesh.RunAsync("desk", "log", "level", new Dictionary<string, string> { ["level"] = "debug" }, on: "hub");

        Assert.Contains("is info", shown.Text, StringComparison.Ordinal);
        Assert.Equal(ShellErrors.ExitDenied, denied.ExitCode);
    }

    [Fact]
    public async Task Log_level_set_by_an_admin_quiets_the_actors_loggers_at_once()
    {
        var system = mesh["guest"].Services.GetRequiredService<ActorSystem>();
        var logger = Logging.GetLogger(system, "spec", typeof(ShellHostSpec));
        Assert.True(logger.IsEnabled(LogLevel.Info));

        var set = await mesh.RunAsync("guest", "log", "level", new Dictionary<string, string> { ["level"] = "warning" });
        try
        {
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Contains("is now warning", set.Text, StringComparison.Ordinal);
            Assert.False(logger.IsEnabled(LogLevel.Info));
            Assert.True(logger.IsEnabled(LogLevel.Warning));
        }
        finally
        {
            await mesh.RunAsync("guest", "log", "level", new Dictionary<string, string> { ["level"] = "info" });
        }

        Assert.True(logger.IsEnabled(LogLevel.Info));
    }

    [Fact]
    public async Task Metrics_without_an_exporter_say_they_are_disabled()
    {
        var result = await mesh.RunAsync("hub", "metrics", "show");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("metrics are disabled", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_config_prints_the_merged_configuration_with_origins()
    {
        var result = await mesh.RunAsync("hub", "node", "config");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("hub.conf", result.Text, StringComparison.Ordinal);
        Assert.Contains("command-timeout", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_commands_run_at_once_on_one_connection()
    {
        await using var client = await mesh.ConnectAsync("desk");
        var empty = new Dictionary<string, string>();

        var results = await Task.WhenAll(
            ShellResult.RunAsync(client, new CommandRequest("node", "status", empty)),
            ShellResult.RunAsync(client, new CommandRequest("peers", "list", empty)),
            ShellResult.RunAsync(client, new CommandRequest("devices", "list", empty, "hub")));

        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        Assert.Equal(["node", "peers", "devices"], results.Select(r => Assert.Single(r.Tables).Title));
    }

    [Fact]
    public async Task A_trusted_node_that_cannot_be_reached_is_unavailable_and_can_be_untrusted()
    {
        var ghost = UsbMesh.Mesh.Identity.NodeIdentity.Generate().Id.ToString();

        var trusted = await mesh.RunAsync("desk", "peers", "trust", new Dictionary<string, string> { ["name"] = "ghost", ["id"] = ghost });
        var listed = await mesh.TableAsync("desk", "peers", "list");
        var unreachable = await mesh.RunAsync("desk", "node", "status", on: "ghost");
        var untrusted = await mesh.RunAsync("desk", "peers", "untrust", new Dictionary<string, string> { ["peer"] = "ghost" });

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Contains(listed.Rows, r => r[0] == "ghost" && r[2] == "not a member");
        Assert.Equal(ShellErrors.ExitUnavailable, unreachable.ExitCode);
        Assert.Contains("Node 'ghost' cannot be reached", Assert.Single(unreachable.Errors).Message, StringComparison.Ordinal);
        Assert.True(untrusted.ExitCode == 0, untrusted.ToString());
        Assert.DoesNotContain((await mesh.TableAsync("desk", "peers", "list")).Rows, r => r[0] == "ghost");
    }

    [Fact]
    public async Task A_cancelled_command_still_ends_once_with_the_cancelled_exit_code()
    {
        var ghost = UsbMesh.Mesh.Identity.NodeIdentity.Generate().Id.ToString();
        Assert.Equal(0, (await mesh.RunAsync("guest", "peers", "trust", new Dictionary<string, string> { ["name"] = "phantom", ["id"] = ghost })).ExitCode);
        try
        {
            await using var client = await mesh.ConnectAsync("guest");
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var frames = new List<ShellFrame>();

            // Waits for a connection to a node that never comes, until cancelled.
            await foreach (var frame in client.RunAsync(new CommandRequest("node", "status", new Dictionary<string, string>(), "phantom"), cancel.Token))
            {
                frames.Add(frame);
            }

            Assert.Equal(ShellErrors.ExitCancelled, Assert.Single(frames.OfType<ShellFrame.End>()).ExitCode);
            Assert.Contains("cancelled", Assert.Single(frames.OfType<ShellFrame.Error>()).Message, StringComparison.Ordinal);
        }
        finally
        {
            await mesh.RunAsync("guest", "peers", "untrust", new Dictionary<string, string> { ["peer"] = "phantom" });
        }
    }

    [Fact]
    public async Task A_command_before_the_hello_is_a_protocol_error_that_closes_the_connection()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(mesh.SocketOf("desk")));
        await using var stream = new System.Net.Sockets.NetworkStream(socket);

        await ShellFraming.WriteAsync(stream, new ShellFrame.Run(1, new CommandRequest("node", "status", new Dictionary<string, string>())));

        var error = Assert.IsType<ShellFrame.Error>(await ShellFraming.ReadAsync(stream).AsTask().WaitAsync(ShellMesh.Bound));
        Assert.Contains("before the hello", error.Message, StringComparison.Ordinal);
        Assert.Null(await ShellFraming.ReadAsync(stream).AsTask().WaitAsync(ShellMesh.Bound));
    }

    [Fact]
    public async Task Sessions_kill_on_the_exporter_ends_the_import_on_the_importer()
    {
        var attached = await mesh.RunAsync("guest", "attach", "device", new Dictionary<string, string> { ["device"] = "hub/100-1", ["to"] = "usbipd" });
        Assert.True(attached.ExitCode == 0, attached.ToString());
        var id = Assert.Single((await mesh.TableAsync("guest", "sessions", "list")).Rows, r => r[1] == "hub/100-1")[0];
        await ShellMesh.WaitUntilAsync(async () => (await mesh.TableAsync("hub", "sessions", "list")).Rows.Any(r => r[0] == id));

        var killed = await mesh.RunAsync("hub", "sessions", "kill", new Dictionary<string, string> { ["id"] = id });

        Assert.True(killed.ExitCode == 0, killed.ToString());
        await ShellMesh.WaitUntilAsync(async () =>
            !(await mesh.TableAsync("guest", "sessions", "list")).Rows.Any(r => r[0] == id)
            && (await mesh.TableAsync("guest", "attach", "list")).Rows.Count == 0);
        Assert.DoesNotContain((await mesh.TableAsync("hub", "sessions", "list")).Rows, r => r[0] == id);
    }

    [Fact]
    public async Task Gadgets_create_adds_an_emulated_device_the_mesh_sees()
    {
        var created = await mesh.RunAsync("guest", "gadgets", "create", new Dictionary<string, string> { ["type"] = "serial", ["name"] = "console" });

        Assert.True(created.ExitCode == 0, created.ToString());
        var row = Assert.Single((await mesh.TableAsync("guest", "gadgets", "list")).Rows, r => r[0] == "console");
        Assert.Equal("serial", row[1]);
        await ShellMesh.WaitUntilAsync(async () => (await mesh.TableAsync("hub", "devices", "list")).Rows.Any(r => r[0] == row[2] && r[1] == "guest"));
    }
}
