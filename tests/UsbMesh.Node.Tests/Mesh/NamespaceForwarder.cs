using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace UsbMesh.Node.Tests;

/// <summary>
/// Forwards TCP connections from this process's loopback to an endpoint inside a node's network namespace, such as
/// the node's usbipd endpoint on its own 127.0.0.1: the namespaces share no link with this one, so each outgoing
/// socket is created inside the namespace (<see cref="NamespaceSockets"/>). The node's link to the rest of the mesh
/// plays no part, so cutting it leaves the forwarded connection alone.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class NamespaceForwarder : IAsyncDisposable
{
    private readonly string _namespace;
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    private NamespaceForwarder(string ns, IPEndPoint target)
    {
        _namespace = ns;
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where to connect in this namespace.</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Starts forwarding to <paramref name="target"/> in the namespace <paramref name="ns"/> (an <c>ip netns</c> name).</summary>
    public static NamespaceForwarder Start(string ns, IPEndPoint target) => new(ns, target);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        using var server = NamespaceSockets.Create(_namespace);
        Track(client, server);
        try
        {
            client.NoDelay = true;
            server.NoDelay = true;
            await server.ConnectAsync(_target, _stop.Token);
            // Either direction ending ends both, as a client and a server on one connection would see it.
            await Task.WhenAny(CopyAsync(client, server), CopyAsync(server, client));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The node refused or went, or the forwarder stops: the client sees its connection close.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Ends the forwarding of this connection (see ForwardAsync).
        }
    }

    private void Track(params Socket[] sockets)
    {
        lock (_sockets)
        {
            _sockets.AddRange(sockets);
        }
    }
}
