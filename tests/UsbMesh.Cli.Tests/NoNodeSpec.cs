namespace UsbMesh.Cli.Tests;

/// <summary>The client with no node to talk to.</summary>
public sealed class NoNodeSpec
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_socket_nobody_listens_on_exits_3_and_says_so()
    {
        var directory = Directory.CreateTempSubdirectory("usbmesh-cli-none-").FullName;
        try
        {
            var run = await ClientProcess.RunAsync(Bound, null, "--socket", Path.Combine(directory, "admin.sock"), "node", "status");

            Assert.True(run.ExitCode == 3, run.ToString());
            Assert.Contains("no node is running there", run.Stderr);
            Assert.Equal("", run.Stdout);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_default_socket_comes_from_the_nodes_configuration()
    {
        var directory = Directory.CreateTempSubdirectory("usbmesh-cli-none-").FullName;
        try
        {
            var config = Path.Combine(directory, "node.conf");
            await File.WriteAllTextAsync(config, $"usbmesh.node.state-directory = \"{directory}\"\nusbmesh.shell.socket = \"elsewhere.sock\"\n");
            var run = await ClientProcess.RunAsync(Bound, null, "--config", config, "node", "status");

            Assert.True(run.ExitCode == 3, run.ToString());
            Assert.Contains(Path.Combine(directory, "elsewhere.sock"), run.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
