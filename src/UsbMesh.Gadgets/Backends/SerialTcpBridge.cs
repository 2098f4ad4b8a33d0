using System.Net;
using System.Net.Sockets;

namespace UsbMesh.Gadgets.Backends;

/// <summary>
/// The TCP side of a <see cref="SerialGadget"/> in <see cref="SerialMode.Tcp"/>: a listener on one endpoint that
/// serves one client at a time, as a serial cable has one other end.
/// </summary>
/// <remarks>
/// <para>Host → client: chunks the host wrote (<see cref="SerialGadget.FromHost"/>, bounded by
/// <see cref="SerialGadget.BufferLimit"/>) are written to the client one after the other. A client that does not read
/// fills its socket (the send buffer is kept at <see cref="SendBufferSize"/>), the writes wait, the gadget's buffer
/// fills and the host's bulk OUT transfers wait (NAK): nothing grows without bound. With no client connected the
/// bytes are lost, as on a real port nobody listens to, and counted (<see cref="DroppedBytes"/>).</para>
/// <para>Client → host: what the client sends is queued for the host with
/// <see cref="SerialGadget.SendAsync"/>, which waits while <see cref="SerialGadget.BufferLimit"/> bytes are not read
/// yet; meanwhile the bridge stops reading the socket, so TCP flow control slows the client.</para>
/// <para>A second client while one is connected is refused: its connection is closed at once and a line is logged.
/// The first client keeps the port until it disconnects (keep-alive is on, so a peer that vanished is noticed).</para>
/// </remarks>
internal sealed class SerialTcpBridge : IAsyncDisposable
{
    /// <summary>The send buffer of an accepted socket: what may sit in the kernel on its way to a slow client.</summary>
    public const int SendBufferSize = 64 * 1024;

    private readonly SerialGadget _serial;
    private readonly TcpListener _listener;
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _clientGate = new();
    private readonly Task _accepting;
    private readonly Task _forwarding;
    private Connection? _client;
    private long _dropped;
    private int _disposed;

    /// <summary>Starts listening on <paramref name="endpoint"/>.</summary>
    /// <param name="serial">The gadget (its <see cref="SerialGadget.FromHost"/> is read by the bridge only).</param>
    /// <param name="endpoint">Where to listen; port 0 picks a free port (<see cref="LocalEndpoint"/>).</param>
    /// <param name="log">Receives a line for each listener start, client connect, disconnect and refusal.</param>
    /// <exception cref="SocketException">The endpoint cannot be bound (in use, not a local address).</exception>
    public SerialTcpBridge(SerialGadget serial, IPEndPoint endpoint, Action<string>? log)
    {
        _serial = serial;
        _log = log;
        _listener = new TcpListener(endpoint);
        try
        {
            _listener.Start();
        }
        catch
        {
            _listener.Dispose();
            _stop.Dispose();
            throw;
        }

        LocalEndpoint = (IPEndPoint)_listener.LocalEndpoint;
        Log($"serial port bridged to tcp {LocalEndpoint}, one client at a time");
        _accepting = Task.Run(AcceptAsync);
        _forwarding = Task.Run(ForwardToClientAsync);
    }

    /// <summary>The endpoint the listener is bound to (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndpoint { get; }

    /// <summary>Bytes the host wrote that no client received (none connected, or the connection broke).</summary>
    public long DroppedBytes => Interlocked.Read(ref _dropped);

    /// <summary>The connected client's address, or null.</summary>
    public EndPoint? ClientEndpoint
    {
        get
        {
            lock (_clientGate)
            {
                return _client?.Remote;
            }
        }
    }

    /// <summary>Closes the listener and the client's connection and waits for the bridge's loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        Connection? client;
        lock (_clientGate)
        {
            client = _client;
            _client = null;
        }

        if (client is not null)
        {
            client.Dispose();
            await client.Reading.ConfigureAwait(false);
        }

        await _forwarding.ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient accepted;
            try
            {
                accepted = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException && _stop.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException e)
            {
                // A connection reset before it was accepted, or out of descriptors: keep listening.
                Log($"accepting a tcp client failed: {e.Message}");
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            var remote = accepted.Client.RemoteEndPoint;
            EndPoint? busy = null;
            var taken = false;
            lock (_clientGate)
            {
                if (_client is not null || _stop.IsCancellationRequested)
                {
                    busy = _client?.Remote;
                }
                else
                {
                    accepted.NoDelay = true;
                    accepted.SendBufferSize = SendBufferSize;
                    accepted.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                    var connection = new Connection(accepted, remote, _stop.Token);
                    _client = connection;
                    connection.Reading = Task.Run(() => ForwardToHostAsync(connection));
                    taken = true;
                }
            }

            if (!taken)
            {
                accepted.Dispose();
                Log(busy is null
                    ? $"tcp client {remote} refused: the bridge is stopping"
                    : $"tcp client {remote} refused: {busy} is connected (one client at a time)");
            }
            else
            {
                Log($"tcp client {remote} connected");
            }
        }
    }

    private async Task ForwardToHostAsync(Connection connection)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var count = await connection.Stream.ReadAsync(buffer, connection.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    break;
                }

                // Waits while the host has not read what it was given: the socket is not read meanwhile.
                await _serial.SendAsync(buffer.AsMemory(0, count), connection.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client went away, or the bridge or the gadget stopped.
        }

        Drop(connection);
    }

    private async Task ForwardToClientAsync()
    {
        try
        {
            await foreach (var chunk in _serial.FromHost.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                Connection? client;
                lock (_clientGate)
                {
                    client = _client;
                }

                if (client is null)
                {
                    Interlocked.Add(ref _dropped, chunk.Length);
                    continue;
                }

                try
                {
                    await client.Stream.WriteAsync(chunk, client.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    Interlocked.Add(ref _dropped, chunk.Length);
                    Drop(client);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The bridge stopped.
        }
    }

    private void Drop(Connection connection)
    {
        bool current;
        lock (_clientGate)
        {
            current = ReferenceEquals(_client, connection);
            if (current)
            {
                _client = null;
            }
        }

        connection.Dispose();
        if (current)
        {
            Log($"tcp client {connection.Remote} disconnected");
        }
    }

    private void Log(string message) => _log?.Invoke(message);

    private sealed class Connection : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly CancellationTokenSource _cancel;
        private int _disposed;

        public Connection(TcpClient tcp, EndPoint? remote, CancellationToken stop)
        {
            _tcp = tcp;
            Remote = remote;
            Stream = tcp.GetStream();
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Token = _cancel.Token;
        }

        public EndPoint? Remote { get; }

        public NetworkStream Stream { get; }

        public CancellationToken Token { get; }

        public Task Reading { get; set; } = Task.CompletedTask;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _cancel.Cancel();
            _tcp.Dispose();
            _cancel.Dispose();
        }
    }
}
