using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Tls;
using UsbMesh.Net;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// TLS 1.3 over TCP: each association is one TCP connection, authenticated both ways by <see cref="IdentityTls"/>,
/// carrying lanes through a <see cref="Multiplexer"/>. Addresses are <c>host:port</c> (<c>[::1]:7240</c> for IPv6).
/// </summary>
/// <param name="identity">This node's identity.</param>
/// <param name="refusal">The trust list: why a peer may not connect, or null.</param>
/// <param name="options">The multiplexer's limits and timing.</param>
/// <param name="connectTimeout">How long connecting and the handshake may take.</param>
/// <param name="admissionSettings">How the listener admits connections; null for no limits beyond a handshake within
/// <paramref name="connectTimeout"/>.</param>
public sealed class TlsTransport(NodeIdentity identity, Func<NodeId, string?> refusal, MultiplexerOptions options, TimeSpan connectTimeout, InboundAdmission? admissionSettings = null) : ITransport
{
    private readonly Lazy<X509Certificate2> _certificate = new(() => IdentityCertificate.Create(identity));
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _handshakeTimeout = admissionSettings?.HandshakeTimeout ?? connectTimeout;
    private Socket? _listener;
    private ConnectionAdmission? _admission;

    /// <inheritdoc/>
    public string Scheme => "tls";

    /// <inheritdoc/>
    public Task<string> ListenAsync(string address, Func<IAssociation, Task> inbound, CancellationToken cancellationToken)
    {
        var endpoint = TransportAddress.Listening(address);
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            listener.DualMode = true;
        }

        listener.Bind(endpoint);
        listener.Listen(128);
        _listener = listener;
        var bound = listener.LocalEndPoint!.ToString()!;
        var admission = _admission = admissionSettings?.Open(Scheme, bound);
        _ = AcceptLoop.RunAsync(listener.AcceptAsync, accepted => AdmitAsync(accepted, admission, inbound), e => e is SocketException, _stop.Token);
        return Task.FromResult(bound);
    }

    /// <inheritdoc/>
    public async Task<IAssociation> AssociateAsync(string address, NodeId? expected, CancellationToken cancellationToken)
    {
        var (host, port) = TransportAddress.Remote(address);
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
        _admission?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Closes a connection its listener does not admit at once (before any TLS work); shakes hands with the others.</summary>
    private Task AdmitAsync(Socket accepted, ConnectionAdmission? admission, Func<IAssociation, Task> inbound)
    {
        IDisposable? slot = null;
        if (admission is not null && (slot = admission.TryAdmit(accepted.RemoteEndPoint)) is null)
        {
            accepted.LingerState = new LingerOption(true, 0);
            accepted.Dispose();
            return Task.CompletedTask;
        }

        return HandshakeAsync(accepted, slot, inbound);
    }

    private async Task HandshakeAsync(Socket accepted, IDisposable? slot, Func<IAssociation, Task> inbound)
    {
        accepted.NoDelay = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_handshakeTimeout);
        try
        {
            var tls = await IdentityTls.AcceptAsync(new NetworkStream(accepted, ownsSocket: true), _certificate.Value, refusal, timeout.Token).ConfigureAwait(false);
            var association = new MuxAssociation(tls.Peer, tls.Stream, options, initiator: false);
            if (slot is not null)
            {
                InboundAdmission.ReleaseWhenEnded(association, slot);
            }

            await inbound(association).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or OperationCanceledException or PeerRefusedException)
        {
            // Refused, broken or too slow before it became an association: the peer was told (or hung up); nothing to keep.
            accepted.Dispose();
            slot?.Dispose();
        }
    }
}
