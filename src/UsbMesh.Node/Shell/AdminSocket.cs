using System.Net.Sockets;
using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Net;

namespace UsbMesh.Node.Shell;

/// <summary>
/// The node's local admin socket: a Unix domain socket whose file mode decides who may open it, and whoever opens it
/// is an administrator of this node. Each connection the admission admits (<c>shell.max-connections</c>,
/// <c>accept-rate</c>, <c>accept-burst</c>) goes to the command host; any other is closed at once and counted.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class AdminSocket : IAsyncDisposable
{
    /// <summary>The size of sun_path on Linux, terminating zero included.</summary>
    private const int MaxPathBytes = 108;

    private readonly Socket _listener;
    private readonly Task _accepting;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConnectionAdmission _admission;

    private AdminSocket(string path, Socket listener, IActorRef host, ConnectionAdmission admission)
    {
        Path = path;
        _listener = listener;
        _admission = admission;
        _accepting = Task.Run(() => AcceptAsync(host));
    }

    public string Path { get; }

    /// <summary>Listens at <see cref="ShellSettings.Socket"/> with <see cref="ShellSettings.SocketMode"/>.</summary>
    /// <param name="settings">The shell's settings.</param>
    /// <param name="host">The command host.</param>
    /// <param name="report">Writes a log line about refused connections (a warning).</param>
    /// <exception cref="IOException">A running node listens there already, or the path cannot be used; the message says which.</exception>
    public static AdminSocket Open(ShellSettings settings, IActorRef host, Action<string> report)
    {
        var path = settings.Socket;
        RemoveStale(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);

        // Bound under a temporary name and renamed once its mode is set, so the socket is never reachable with the
        // process's default mode.
        var temporary = $"{path}.new";
        File.Delete(temporary);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (System.Text.Encoding.UTF8.GetByteCount(temporary) >= MaxPathBytes)
            {
                throw new IOException($"the path is too long for a Unix socket (at most {MaxPathBytes - 1 - ".new".Length} bytes); set usbmesh.shell.socket to a shorter path");
            }

            listener.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, settings.SocketMode);
            listener.Listen(16);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            File.Delete(temporary);
            throw new IOException($"Cannot open the admin socket {path} (usbmesh.shell.socket): {e.Message}", e);
        }

        var admission = settings.Admission;
        return new AdminSocket(path, listener, host, new ConnectionAdmission("shell admin socket", admission.Limits, report, admission.ReportInterval));
    }

    /// <summary>A socket file nobody listens on is left by a node that died: it goes. One that answers is in use.</summary>
    private static void RemoveStale(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"Another node listens on the admin socket {path}: stop it first, or give this node another usbmesh.shell.socket.");
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
            {
                // Stale: nobody listens.
            }
            catch (SocketException e)
            {
                throw new IOException($"The admin socket path {path} is in the way and cannot be probed: {e.Message}.", e);
            }
        }

        File.Delete(path);
    }

    private async Task AcceptAsync(IActorRef host)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                // A failed accept (a client gone before it was taken, too many files) does not end the listener.
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            if (_admission.TryAdmit(client.RemoteEndPoint) is { } slot)
            {
                host.Tell(new CommandHostActor.Accept(new NetworkStream(client, ownsSocket: true), ShellCaller.Local, slot));
            }
            else
            {
                client.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        _stopping.Dispose();
        _admission.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Another node may own the path by now; leaving the file is harmless (it is stale).
        }
    }
}
