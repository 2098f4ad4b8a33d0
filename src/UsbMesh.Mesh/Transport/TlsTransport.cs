using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// TLS 1.3 over TCP: each association is one TCP connection, authenticated both ways by <see cref="IdentityTls"/>,
/// carrying lanes through a <see cref="Multiplexer"/>. Addresses are <c>host:port</c> (<c>[::1]:7240</c> for IPv6).
/// </summary>
/// <param name="identity">This node's identity.</param>
/// <param name="refusal">The trust list: why a peer may not connect, or null.</param>
/// <param name="options">The multiplexer's limits and timing.</param>
/// <param name="connectTimeout">How long connecting and the handshake may take.</param>
public sealed class TlsTransport(NodeIdentity identity, Func<NodeId, string?> refusal, MultiplexerOptions options, TimeSpan connectTimeout) : ITransport
{
    private readonly Lazy<X509Certificate2> _certificate = new(() => IdentityCertificate.Create(identity));
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;

    /// <inheritdoc/>
    public string Scheme => "tls";

    /// <inheritdoc/>
    public Task<string> ListenAsync(string address, Func<IAssociation, Task> inbound, CancellationToken cancellationToken)
    {
        var endpoint = IPEndPoint.TryParse(address, out var parsed) ? parsed : throw new TransportException($"[{address}] is not an address and port such as 0.0.0.0:7240 or [::]:7240");
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            listener.DualMode = true;
        }

        listener.Bind(endpoint);
        listener.Listen(128);
        _listener = listener;
        _ = AcceptLoop.RunAsync(listener.AcceptAsync, accepted => HandshakeAsync(accepted, inbound), e => e is SocketException, _stop.Token);
        return Task.FromResult(listener.LocalEndPoint!.ToString()!);
    }

    /// <inheritdoc/>
    public async Task<IAssociation> AssociateAsync(string address, NodeId? expected, CancellationToken cancellationToken)
    {
        var (host, port) = SplitAddress(address);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        timeout.CancelAfter(connectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var tls = await IdentityTls.ConnectAsync(new NetworkStream(socket, ownsSocket: true), _certificate.Value, expected, timeout.Token).ConfigureAwait(false);
            return new MuxAssociation(tls.Peer, tls.Stream, options, initiator: true);
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or OperationCanceledException or PeerRefusedException)
        {
            socket.Dispose();
            var reason = e is OperationCanceledException ? $"no connection within {connectTimeout.TotalSeconds:0.#} s" : e.Message;
            throw new TransportException($"cannot associate with {address}: {reason}", e);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task HandshakeAsync(Socket accepted, Func<IAssociation, Task> inbound)
    {
        accepted.NoDelay = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(connectTimeout);
        try
        {
            var tls = await IdentityTls.AcceptAsync(new NetworkStream(accepted, ownsSocket: true), _certificate.Value, refusal, timeout.Token).ConfigureAwait(false);
            await inbound(new MuxAssociation(tls.Peer, tls.Stream, options, initiator: false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or OperationCanceledException or PeerRefusedException)
        {
            // Refused or broken before it became an association: the peer was told (or hung up); nothing to keep.
            accepted.Dispose();
        }
    }

    private static (string Host, int Port) SplitAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new TransportException($"[{address}] is not a host and port such as pi-hub.local:7240 or [::1]:7240");
        }

        return (address[..colon].Trim('[', ']'), port);
    }
}
