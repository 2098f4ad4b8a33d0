using UsbMesh.Actors;

namespace UsbMesh.Node.Tests;

/// <summary>usbmeshd as a user and an init system meet it: a real process, its output, signals and exit codes.</summary>
public sealed class DaemonSpec : IDisposable
{
    // Starting a .NET process on a loaded machine takes seconds; the bound only turns a hang into a failure.
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(60);

    private static readonly string DemoConf = Path.Combine(AppContext.BaseDirectory, "hocon", "demo.conf");

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task The_demo_node_starts_and_stops_through_its_shutdown_phases_on_sigterm()
    {
        var settings = NodeSettings.FromConfig(NodeConfig.Load(DemoConf));
        TimeSpan shutdownTimeout;
        using (var probe = ActorSystem.Create("probe", settings.ToActorSystemSettings(new Serilog.LoggerConfiguration().CreateLogger())))
        {
            shutdownTimeout = probe.CoordinatedShutdown.TotalTimeout + ServiceCollectionExtensions.HostShutdownMargin;
        }

        // A free port for the usbipd endpoint, so the test never depends on 3240 being free on this machine.
        await using var daemon = DaemonProcess.Start(["--config", DemoConf, "--set", "usbmesh.usbipd.endpoint=\"127.0.0.1:0\""]);

        var started = await daemon.WaitForLineAsync(line => line.Contains("Node demo started", StringComparison.Ordinal), StartBound);
        Assert.Contains(DemoConf, started, StringComparison.Ordinal);
        Assert.Contains($"pid {daemon.Id}", started, StringComparison.Ordinal);

        await daemon.SignalAsync("TERM");
        var exitCode = await daemon.WaitForExitAsync(shutdownTimeout);

        Assert.True(exitCode == 0, $"exit code {exitCode}\nstdout:\n{daemon.Stdout}\nstderr:\n{daemon.Stderr}");
        var stdout = daemon.Stdout;
        Assert.Contains("Stopping node demo", stdout, StringComparison.Ordinal);
        var position = 0;
        foreach (var phase in CoordinatedShutdown.Phases)
        {
            var at = stdout.IndexOf($"Shutdown phase {phase} ", StringComparison.Ordinal);
            Assert.True(at > position, $"phase {phase} not logged in order:\n{stdout}");
            position = at;
        }

        Assert.Contains("Node demo stopped", stdout, StringComparison.Ordinal);
        Assert.Equal("", daemon.Stderr);
    }

    [Fact]
    public async Task A_broken_configuration_file_is_reported_with_file_line_and_column_and_exit_code_2()
    {
        var broken = _directory.Write("broken.conf", "usbmesh {\n  node.name = demo\n  logging { level = info ]\n}\n");

        var (exitCode, stdout, stderr) = await DaemonProcess.RunAsync(RunBound, "--config", broken);

        Assert.Equal(2, exitCode);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(broken)}:3:\d+: ", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task An_invalid_value_is_reported_with_its_path_and_origin_and_exit_code_2()
    {
        var invalid = _directory.Write("invalid.conf", "usbmesh {\n  actor.dispatchers.usb-host-dispatcher.type = Pinned\n}\n");

        var (exitCode, _, stderr) = await DaemonProcess.RunAsync(RunBound, "--config", invalid);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"{invalid}:2:", stderr, StringComparison.Ordinal);
        Assert.Contains("usbmesh.actor.dispatchers.usb-host-dispatcher.type", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_configuration_file_is_a_configuration_error()
    {
        var missing = Path.Combine(_directory.Path, "missing.conf");

        var (exitCode, _, stderr) = await DaemonProcess.RunAsync(RunBound, "--config", missing);

        Assert.Equal(2, exitCode);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_config_shows_a_set_value_with_its_origin_and_exits_0()
    {
        var (exitCode, stdout, stderr) = await DaemonProcess.RunAsync(RunBound, "--config", DemoConf, "--set", "usbmesh.node.name=x", "--print-config");

        Assert.True(exitCode == 0, $"exit code {exitCode}\nstderr:\n{stderr}");
        var lines = stdout.Split('\n');
        var name = Array.FindIndex(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*name\s*[=:]\s*""?x""?\s*(#.*)?$"));
        Assert.True(name >= 0, $"no 'name = x' in:\n{stdout}");
        Assert.True(lines[name].Contains(NodeConfig.OverrideOrigin, StringComparison.Ordinal) || lines[name - 1].Contains(NodeConfig.OverrideOrigin, StringComparison.Ordinal),
            $"no origin {NodeConfig.OverrideOrigin} beside '{lines[name]}' in:\n{stdout}");
        Assert.Contains("demo.conf", stdout, StringComparison.Ordinal);
        Assert.Contains(NodeConfig.ReferenceResourceName, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_environment_sets_the_log_level_when_no_file_does()
    {
        await using var daemon = DaemonProcess.Start(["--print-config"], new Dictionary<string, string?> { ["USBMESH_LOG_LEVEL"] = "debug" });

        var exitCode = await daemon.WaitForExitAsync(RunBound);

        Assert.Equal(0, exitCode);
        Assert.Matches(@"(?m)^\s*level\s*[=:]\s*""?debug""?", daemon.Stdout);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--set", "no-equals-sign")]
    [InlineData("stray-argument")]
    public async Task A_usage_error_exits_non_zero_naming_the_problem(params string[] arguments)
    {
        var (exitCode, _, stderr) = await DaemonProcess.RunAsync(RunBound, arguments);

        Assert.NotEqual(0, exitCode);
        Assert.NotEqual(2, exitCode);
        Assert.Contains(arguments[^1], stderr, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task An_identity_key_others_can_read_stops_the_start_with_exit_code_3_and_what_to_do()
    {
        using var state = new TempDirectory();
        var keyFile = Path.Combine(state.Path, "identity.key");
        Mesh.Identity.NodeIdentity.LoadOrCreate(keyFile, out _);
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (exitCode, _, stderr) = await DaemonProcess.RunAsync(
            RunBound, "--config", DemoConf, "--set", $"usbmesh.node.state-directory=\"{state.Path}\"", "--set", "usbmesh.usbipd.enabled=off");

        Assert.Equal(3, exitCode);
        Assert.Contains($"chmod 600 {keyFile}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_the_options()
    {
        var (exitCode, stdout, _) = await DaemonProcess.RunAsync(RunBound, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--config", stdout, StringComparison.Ordinal);
        Assert.Contains("--set", stdout, StringComparison.Ordinal);
        Assert.Contains("--print-config", stdout, StringComparison.Ordinal);
    }
}
