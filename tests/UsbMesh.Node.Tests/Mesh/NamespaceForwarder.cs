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
public sealed class NamespaceForwarder : NamespaceTcpRelay
{
    private NamespaceForwarder(string ns, IPEndPoint target)
        : base(LoopbackListener(), ns, target)
    {
        StartAccepting();
    }

    /// <summary>Where to connect in this namespace.</summary>
    public IPEndPoint Endpoint => ListeningOn;

    /// <summary>Starts forwarding to <paramref name="target"/> in the namespace <paramref name="ns"/> (an <c>ip netns</c> name).</summary>
    public static NamespaceForwarder Start(string ns, IPEndPoint target) => new(ns, target);

    /// <inheritdoc/>
    protected override async Task PumpAsync(Socket client, Socket server) =>
        // Either direction ending ends both, as a client and a server on one connection would see it.
        await Task.WhenAny(CopyAsync(client, server), CopyAsync(server, client));

    private static Socket LoopbackListener()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return listener;
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, Stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, Stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Ends the forwarding of this connection (see PumpAsync).
        }
    }
}
