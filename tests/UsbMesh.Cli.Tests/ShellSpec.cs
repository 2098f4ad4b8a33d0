using System.Text.Json;

namespace UsbMesh.Cli.Tests;

/// <summary>
/// The client run as a process against a mesh of three nodes (<see cref="ThreeNodeMesh"/>), through the admin socket
/// of one of them: one-shot commands for people and for scripts, the prompt driven by piped lines, commands on another
/// node with and without the admin right there, and usage errors.
/// </summary>
public sealed class ShellSpec(ThreeNodeMesh mesh) : IClassFixture<ThreeNodeMesh>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Node_status_is_a_table_of_the_local_node()
    {
        var run = await OnAsync("desk", "node", "status");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = Lines(run.Stdout);
        Assert.StartsWith("name", lines[0]);
        Assert.Contains("uptime", lines[0]);
        Assert.Equal(["desk", mesh["desk"].Id.ToString()], Words(lines[1])[..2]);
    }

    [Fact]
    public async Task Peers_list_for_scripts_is_a_json_array_showing_three_members_up()
    {
        var run = await OnAsync("desk", "peers", "list", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        var peers = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(["desk", "hub", "laptop"], peers.Select(p => p.GetProperty("name").GetString()).Order());
        Assert.All(peers, p => Assert.Equal("up", p.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Devices_list_shows_the_hubs_stick_and_keyboard()
    {
        var run = await OnAsync("laptop", "devices", "list");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(Lines(run.Stdout), l => l.StartsWith(mesh.Stick, StringComparison.Ordinal) && l.Contains("stick", StringComparison.Ordinal));
        Assert.Contains(Lines(run.Stdout), l => l.StartsWith("hub/", StringComparison.Ordinal) && l.Contains("keyboard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_nodes_stick_is_attached_then_detached()
    {
        var attach = await OnAsync("desk", "attach", mesh.Stick, "--to", "usbipd");
        Assert.True(attach.ExitCode == 0, attach.ToString());

        var attached = await OnAsync("desk", "attach", "list", "--json");
        Assert.True(attached.ExitCode == 0, attached.ToString());
        using (var document = JsonDocument.Parse(attached.Stdout))
        {
            Assert.Contains(document.RootElement.EnumerateArray(), a => a.GetProperty("device").GetString() == mesh.Stick);
        }

        // The hub serves the import; asked from the desk, through the mesh.
        var sessions = await OnAsync("desk", "--node", "hub", "sessions", "list", "--json");
        Assert.True(sessions.ExitCode == 0, sessions.ToString());
        using (var document = JsonDocument.Parse(sessions.Stdout))
        {
            Assert.Contains(document.RootElement.EnumerateArray(), s => s.GetProperty("role").GetString() == "export" && s.GetProperty("peer").GetString() == "desk");
        }

        var detach = await OnAsync("desk", "detach", mesh.Stick);
        Assert.True(detach.ExitCode == 0, detach.ToString());
        var after = await OnAsync("desk", "attach", "list", "--json");
        Assert.DoesNotContain(mesh.Stick, after.Stdout);
    }

    [Fact]
    public async Task The_prompt_runs_lines_piped_to_it_until_exit()
    {
        var run = await ClientProcess.RunAsync(Bound, "node status\n\npeers list\nhelp\nexit\nnode status\n", "--socket", mesh["laptop"].AdminSocket);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(Lines(run.Stdout), l => l.StartsWith("name", StringComparison.Ordinal) && l.Contains("uptime", StringComparison.Ordinal));
        Assert.Contains(Lines(run.Stdout), l => l.StartsWith("name", StringComparison.Ordinal) && l.Contains("rtt-ms", StringComparison.Ordinal));
        Assert.Contains("Node laptop offers these palettes", run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public async Task The_prompt_goes_on_after_a_failed_command()
    {
        var run = await ClientProcess.RunAsync(Bound, "bogus\nnode status\n", "--socket", mesh["laptop"].AdminSocket);

        Assert.Contains("No palette 'bogus'", run.Stderr);
        Assert.Contains(Lines(run.Stdout), l => l.StartsWith("laptop", StringComparison.Ordinal));
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Read_only_commands_run_on_another_node_for_any_trusted_peer()
    {
        var run = await OnAsync("laptop", "--node", "hub", "node", "status");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["hub", mesh["hub"].Id.ToString()], Words(Lines(run.Stdout)[1])[..2]);
    }

    [Fact]
    public async Task An_admin_command_on_a_node_that_gives_no_admin_right_is_denied_with_the_reason()
    {
        var run = await OnAsync("laptop", "--node", "hub", "devices", "share", mesh.Stick, "--with", "laptop");

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("admin", run.Stderr);
        Assert.Contains("laptop", run.Stderr);
    }

    [Fact]
    public async Task An_admin_command_on_a_node_that_gives_the_admin_right_runs()
    {
        var run = await OnAsync("desk", "--node", "hub", "devices", "share", mesh.Stick, "--with", "laptop");

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task A_command_line_that_does_not_fit_the_command_is_a_usage_error()
    {
        foreach (var words in new[] { ["devices", "info"], ["bogus"], ["devices", "list", "--bogus"], new[] { "node", "status", "--node" } })
        {
            var run = await OnAsync("desk", words);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', words)}: {run}");
            Assert.NotEqual("", run.Stderr);
        }
    }

    [Fact]
    public async Task A_palette_alone_lists_its_commands_with_their_usage()
    {
        var run = await OnAsync("desk", "attach");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage: attach device <device>", run.Stdout);
        Assert.Contains("Usage: attach list", run.Stdout);
    }

    private Task<ClientRun> OnAsync(string node, params string[] words) =>
        ClientProcess.RunAsync(Bound, null, ["--socket", mesh[node].AdminSocket, .. words]);

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
