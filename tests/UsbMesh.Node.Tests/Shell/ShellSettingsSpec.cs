using UsbMesh.Node.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary><c>usbmesh.shell</c>: the defaults, and bad values refused with where they were set.</summary>
public sealed class ShellSettingsSpec : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private ShellSettings Read(string shell) =>
        NodeSettings.FromConfig(ConfigurationFactory.ParseString($"usbmesh.node.state-directory = \"{_directory.Path}\"\nusbmesh.shell {{ {shell} }}\n", "shell.conf")).Shell;

    [Fact]
    public void The_defaults_put_the_admin_socket_in_the_state_directory()
    {
        var settings = Read("");

        Assert.True(settings.Enabled);
        Assert.Equal(Path.Combine(_directory.Path, "admin.sock"), settings.Socket);
        Assert.Equal((UnixFileMode)Convert.ToInt32("660", 8), settings.SocketMode);
        Assert.True(settings.Mesh);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.CommandTimeout);
    }

    [Theory]
    [InlineData("socket-mode = \"rw\"", "usbmesh.shell.socket-mode", "not an octal file mode")]
    [InlineData("socket-mode = \"0060\"", "usbmesh.shell.socket-mode", "leaves the node's own user")]
    [InlineData("socket-mode = \"4660\"", "usbmesh.shell.socket-mode", "beyond")]
    [InlineData("socket = \"\"", "usbmesh.shell.socket", "cannot be empty")]
    [InlineData("command-timeout = 0s", "usbmesh.shell.command-timeout", "out of range")]
    [InlineData("mesh = maybe", "usbmesh.shell.mesh", "")]
    public void A_bad_value_is_refused_with_its_place(string setting, string path, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(setting));

        Assert.StartsWith("shell.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_settings_it_replaced_are_unknown_now()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("endpoint = \"127.0.0.1:7241\""));

        Assert.Contains("unknown setting usbmesh.shell.endpoint", error.Message, StringComparison.Ordinal);
    }
}
