using UsbMesh.Actors;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;
using UsbMesh.Node.Shell;
using UsbMesh.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary>The command host alone, with palettes of its own: timeouts, failures and the checks before a command runs.</summary>
public sealed class CommandHostSpec : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);
    private readonly TempDirectory _directory = new();
    private readonly ActorSystem _system = ActorSystem.Create("command-host");
    private readonly CommandHost _host;
    private readonly List<ShellFrame> _frames = [];

    public CommandHostSpec()
    {
        var settings = NodeSettings.FromConfig(ConfigurationFactory.ParseString($"usbmesh.node {{ name = hub, state-directory = \"{_directory.Path}\" }}", "spec.conf"));
        var services = new ShellServices
        {
            System = _system,
            Settings = settings,
            Config = ConfigurationFactory.ParseString("", "spec.conf"),
            Identity = NodeIdentity.Generate(),
            Trust = TrustStore.Open(Path.Combine(_directory.Path, "trust.json"), TrustList.Empty),
            Remoting = null!,
            Mesh = ActorRefs.Nobody,
            Exports = ActorRefs.Nobody,
            Gadgets = ActorRefs.Nobody,
            Imports = ActorRefs.Nobody,
            Sessions = ActorRefs.Nobody,
            MeshDevices = ActorRefs.Nobody,
        };
        var palette = new ShellPalette("spec", "Spec.",
        [
            new(new("hang", "Never ends, deaf to cancellation.", []), _ => Task.Delay(System.Threading.Timeout.Infinite)),
            new(new("throw", "Fails.", []), _ => throw new InvalidOperationException("the disk is on fire")),
            new(new("echo", "Echoes.", [new CommandArgument("text", "Text.", ["--text"], Mandatory: true, Position: 0)]), call => call.Output.LineAsync(call.Required("text"))),
            new(new("admin", "Changes things.", [], RequiresAdmin: true), call => call.Output.LineAsync("changed")),
        ]);
        _host = new CommandHost(services, settings.Shell with { CommandTimeout = Timeout }, [palette]);
    }

    public void Dispose()
    {
        _system.Dispose();
        _directory.Dispose();
    }

    private async Task<int> RunAsync(string command, ShellCaller? caller = null, Dictionary<string, string>? arguments = null)
    {
        var output = new ShellOutput(1, frame =>
        {
            lock (_frames)
            {
                _frames.Add(frame);
            }

            return Task.CompletedTask;
        });
        return await _host.RunAsync(new CommandRequest("spec", command, arguments ?? []), caller ?? ShellCaller.Local, output, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private ShellFrame.Error Error => Assert.Single(_frames.OfType<ShellFrame.Error>());

    [Fact]
    public async Task A_command_that_outlives_the_timeout_ends_as_unavailable_naming_the_setting()
    {
        Assert.Equal(ShellErrors.ExitUnavailable, await RunAsync("hang"));

        Assert.Contains("usbmesh.shell.command-timeout", Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_throws_ends_as_failed_with_the_reason()
    {
        Assert.Equal(ShellErrors.ExitFailed, await RunAsync("throw"));

        Assert.Contains("the disk is on fire", Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_is_checked_against_its_definition_before_it_runs()
    {
        Assert.Equal(ShellErrors.ExitUsage, await RunAsync("echo"));

        Assert.Contains("Usage: spec echo <text>", Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_not_found()
    {
        Assert.Equal(ShellErrors.ExitNotFound, await RunAsync("fly"));

        Assert.Contains("Commands: hang, throw, echo, admin", Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_the_node_does_not_trust_is_denied()
    {
        var stranger = new ShellCaller(NodeIdentity.Generate().Id, "stranger");

        Assert.Equal(ShellErrors.ExitDenied, await RunAsync("echo", stranger, new() { ["text"] = "hi" }));
    }

    [Fact]
    public async Task The_admin_socket_runs_admin_commands()
    {
        Assert.Equal(0, await RunAsync("admin"));

        Assert.Equal("changed", Assert.Single(_frames.OfType<ShellFrame.Line>()).Text);
    }
}
