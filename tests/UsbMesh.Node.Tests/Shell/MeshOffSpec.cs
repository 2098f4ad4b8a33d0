using System.Runtime.Versioning;
using UsbMesh.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary>A node with <c>usbmesh.shell.mesh = off</c> tells peers it takes no commands from the mesh.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class MeshOffSpec : IAsyncLifetime
{
    private readonly ShellMesh _mesh = new(["hub", "desk"], name => name == "hub" ? "shell.mesh = off" : "");

    public Task InitializeAsync() => _mesh.InitializeAsync();

    public Task DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task A_peers_command_is_refused_with_the_setting_that_refuses_it()
    {
        var result = await _mesh.RunAsync("desk", "node", "status", on: "hub");
        var local = await _mesh.RunAsync("hub", "node", "status");

        Assert.Equal(ShellErrors.ExitUnavailable, result.ExitCode);
        Assert.Contains("usbmesh.shell.mesh = off", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
        Assert.Equal(0, local.ExitCode);
    }
}
