using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace UsbMesh.Node.Tests;

/// <summary>
/// What a test's TCP relay into a network namespace does whatever it does to the bytes: accepts on its listener,
/// opens a socket to the target inside the namespace for each connection, hands both to <see cref="PumpAsync"/>, and
/// closes every socket it made when it stops. Subclasses decide how bytes cross (at once, or after a delay).
/// </summary>
[UnsupportedOSPlatform("windows")]
public abstract class NamespaceTcpRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _namespace;
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private Task _accepting = Task.CompletedTask;
    private int _connections;

    /// <param name="listener">Bound and listening; owned from now on.</param>
    /// <param name="ns">The namespace (an <c>ip netns</c> name) the target is reached from.</param>
    /// <param name="target">Where each connection goes.</param>
    protected NamespaceTcpRelay(Socket listener, string ns, IPEndPoint target)
    {
        _listener = listener;
        _namespace = ns;
        _target = target;
    }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Where the relay listens.</summary>
    protected IPEndPoint ListeningOn => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Stops the relay: cancelled when it is disposed.</summary>
    protected CancellationTokenSource Stop { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await Stop.CancelAsync();
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        Stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts accepting; called once the subclass is fully constructed, as its pumps use its fields.</summary>
    protected void StartAccepting() => _accepting = AcceptAsync();

    /// <summary>Carries one connection's bytes both ways until it ends; both sockets are closed afterwards.</summary>
    protected abstract Task PumpAsync(Socket client, Socket server);

    private async Task AcceptAsync()
    {
        while (!Stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(Stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = NamespaceSockets.Create(_namespace);
        lock (_sockets)
        {
            _sockets.AddRange([client, server]);
        }

        try
        {
            client.NoDelay = true;
            server.NoDelay = true;
            await server.ConnectAsync(_target, Stop.Token);
            await PumpAsync(client, server);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The target refused or went, or the relay stops: the client sees its connection close.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
