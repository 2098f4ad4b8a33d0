using System.Net.Sockets;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Tests;

/// <summary>
/// A node's admin socket that follows a script: it welcomes one client with <see cref="Palettes"/>, then hands each
/// Run frame to the script with a way to send frames back and the frames the client sends meanwhile (Cancel).
/// For what a real node seldom does on cue: progress, chosen errors, a command that waits to be cancelled.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    public static readonly CommandPalette[] Palettes =
    [
        new("work", "Long work.", [new("copy", "Copies slowly.", [])]),
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("usbmesh-fake-").FullName;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Task _serving;

    public FakeNode(Func<ShellFrame.Run, Func<ShellFrame, Task>, Func<Task<ShellFrame?>>, Task> script)
    {
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(1);
        _serving = ServeAsync(script);
    }

    public string SocketPath => Path.Combine(_directory, "admin.sock");

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Directory.Delete(_directory, recursive: true);
    }

    private async Task ServeAsync(Func<ShellFrame.Run, Func<ShellFrame, Task>, Func<Task<ShellFrame?>>, Task> script)
    {
        using var connection = await _listener.AcceptAsync();
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        Assert.IsType<ShellFrame.Hello>(await ShellFraming.ReadAsync(stream));
        await ShellFraming.WriteAsync(stream, new ShellFrame.Welcome("fake", "FAKE-ID", Palettes));
        while (await ShellFraming.ReadAsync(stream) is ShellFrame.Run run)
        {
            await script(run, frame => ShellFraming.WriteAsync(stream, frame).AsTask(), () => ShellFraming.ReadAsync(stream).AsTask());
        }
    }
}
