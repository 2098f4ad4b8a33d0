using System.Net;
using System.Net.Sockets;

namespace UsbMesh.Shell.Tests;

/// <summary>The client against a scripted node on a loopback socket: handshake, streaming, and a connection that breaks.</summary>
public sealed class ShellClientSpec
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly ShellFrame.Welcome Welcome = new("hub", "id", [new CommandPalette("node", "Node.", [new CommandDefinition("status", "Status.", [])])]);

    /// <summary>A connected pair: the client's stream and the scripted node's.</summary>
    private static async Task<(NetworkStream Client, NetworkStream Node)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accepting = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var node = await accepting;
        return (client.GetStream(), node.GetStream());
    }

    private static async Task<ShellClient> ConnectAsync(NetworkStream client, NetworkStream node)
    {
        var connecting = ShellClient.ConnectAsync(client, "spec");
        Assert.IsType<ShellFrame.Hello>(await ShellFraming.ReadAsync(node));
        await ShellFraming.WriteAsync(node, Welcome);
        return await connecting.WaitAsync(Bound);
    }

    private static CommandRequest Status => new("node", "status", new Dictionary<string, string>());

    [Fact]
    public async Task Frames_of_a_command_stream_back_until_its_end()
    {
        var (clientStream, node) = await PairAsync();
        await using var client = await ConnectAsync(clientStream, node);
        Assert.Equal("hub", client.Welcome.Node);

        var frames = new List<ShellFrame>();
        var running = Task.Run(async () =>
        {
            await foreach (var frame in client.RunAsync(Status))
            {
                frames.Add(frame);
            }
        });
        var run = Assert.IsType<ShellFrame.Run>(await ShellFraming.ReadAsync(node));
        await ShellFraming.WriteAsync(node, new ShellFrame.Line(run.Id, "one"));
        await ShellFraming.WriteAsync(node, new ShellFrame.Line(run.Id + 100, "another command's"));
        await ShellFraming.WriteAsync(node, new ShellFrame.End(run.Id, 0));
        await running.WaitAsync(Bound);

        Assert.Equal([new ShellFrame.Line(run.Id, "one"), new ShellFrame.End(run.Id, 0)], frames);
    }

    [Fact]
    public async Task A_connection_that_breaks_ends_the_command_as_unavailable_with_the_nodes_last_word()
    {
        var (clientStream, node) = await PairAsync();
        await using var client = await ConnectAsync(clientStream, node);

        var frames = new List<ShellFrame>();
        var running = Task.Run(async () =>
        {
            await foreach (var frame in client.RunAsync(Status))
            {
                frames.Add(frame);
            }
        });
        Assert.IsType<ShellFrame.Run>(await ShellFraming.ReadAsync(node));
        await ShellFraming.WriteAsync(node, new ShellFrame.Error(0, ShellErrors.Usage, "Shell protocol error: spec; the connection is closed."));
        node.Dispose();
        await running.WaitAsync(Bound);

        var error = Assert.IsType<ShellFrame.Error>(frames[^2]);
        Assert.Equal(ShellErrors.Unavailable, error.Code);
        Assert.Contains("Shell protocol error: spec", error.Message, StringComparison.Ordinal);
        Assert.Equal(ShellErrors.ExitUnavailable, Assert.IsType<ShellFrame.End>(frames[^1]).ExitCode);
    }

    [Fact]
    public async Task A_node_that_refuses_with_an_error_makes_the_connection_unavailable_with_its_reason()
    {
        var (clientStream, node) = await PairAsync();
        var connecting = ShellClient.ConnectAsync(clientStream, "spec");
        await ShellFraming.ReadAsync(node);
        await ShellFraming.WriteAsync(node, new ShellFrame.Error(0, ShellErrors.Denied, "Denied: no commands from the mesh."));

        var error = await Assert.ThrowsAsync<ShellUnavailableException>(() => connecting.WaitAsync(Bound));

        Assert.Equal("Denied: no commands from the mesh.", error.Message);
        node.Dispose();
    }

    [Fact]
    public async Task Nothing_listening_on_the_socket_path_is_unavailable()
    {
        var path = Path.Combine(Path.GetTempPath(), $"usbmesh-shell-{Guid.NewGuid():N}.sock");

        var error = await Assert.ThrowsAsync<ShellUnavailableException>(() => ShellClient.ConnectAsync(path, "spec"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
