using System.Net.Sockets;
using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Node.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary>The admin socket's file: its mode, a stale one replaced, a live one refused, gone when closed.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class AdminSocketSpec : IDisposable
{
    private static readonly UnixFileMode OwnerAndGroup = (UnixFileMode)Convert.ToInt32("660", 8);
    private readonly TempDirectory _directory = new();
    private readonly ActorSystem _system = ActorSystem.Create("admin-socket");

    public void Dispose()
    {
        _system.Dispose();
        _directory.Dispose();
    }

    private ShellSettings Settings => new(true, System.IO.Path.Combine(_directory.Path, "admin.sock"), OwnerAndGroup, true, TimeSpan.FromSeconds(30),
        new AdmissionSettings(new UsbMesh.Net.AdmissionLimits(32, 20, 40), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)));

    [Fact]
    public async Task The_socket_gets_its_mode_and_goes_when_closed()
    {
        var socket = AdminSocket.Open(Settings, ActorRefs.Nobody, _ => { });

        Assert.Equal(OwnerAndGroup, File.GetUnixFileMode(Settings.Socket));
        await socket.DisposeAsync();
        Assert.False(File.Exists(Settings.Socket));
    }

    [Fact]
    public async Task A_stale_socket_of_a_dead_node_is_replaced()
    {
        // A socket that is closed removes its file; one moved away first leaves it, as a killed node does.
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            var bound = Settings.Socket + ".dead";
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, Settings.Socket);
        }

        Assert.True(File.Exists(Settings.Socket));
        await using var socket = AdminSocket.Open(Settings, ActorRefs.Nobody, _ => { });

        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(Settings.Socket));
    }

    [Fact]
    public async Task A_socket_a_running_node_listens_on_is_an_error()
    {
        await using var first = AdminSocket.Open(Settings, ActorRefs.Nobody, _ => { });

        var error = Assert.Throws<IOException>(() => AdminSocket.Open(Settings, ActorRefs.Nobody, _ => { }));

        Assert.Contains("Another node listens on the admin socket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_too_long_for_a_unix_socket_is_refused_with_what_to_do()
    {
        var settings = Settings with { Socket = System.IO.Path.Combine(_directory.Path, new string('s', 100) + ".sock") };

        var error = Assert.Throws<IOException>(() => AdminSocket.Open(settings, ActorRefs.Nobody, _ => { }));

        Assert.Contains("too long for a Unix socket", error.Message, StringComparison.Ordinal);
        Assert.Contains("usbmesh.shell.socket", error.Message, StringComparison.Ordinal);
    }
}
