using System.Net;
using System.Net.Quic;
using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// QUIC (System.Net.Quic), where the system has libmsquic (<see cref="IsSupported"/>): TLS 1.3 is QUIC's own, with
/// the same identity certificates and checks as <see cref="IdentityTls"/>; each lane is a bidirectional QUIC stream,
/// flow-controlled by QUIC itself. The accepting node sends its verdict on the first stream it opens, as the TLS
/// transport sends it first on the connection.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
public sealed class QuicTransport : ITransport
{
    private static readonly SslApplicationProtocol Protocol = new("usbmesh/1");

    private readonly Func<NodeId, string?> _refusal;
    private readonly TimeSpan _connectTimeout;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private QuicListener? _listener;

    /// <summary>Creates the transport; check <see cref="IsSupported"/> first.</summary>
    /// <param name="identity">This node's identity.</param>
    /// <param name="refusal">The trust list: why a peer may not connect, or null.</param>
    /// <param name="connectTimeout">How long connecting and the handshake may take.</param>
    public QuicTransport(NodeIdentity identity, Func<NodeId, string?> refusal, TimeSpan connectTimeout)
    {
        _refusal = refusal;
        _connectTimeout = connectTimeout;
        _certificate = IdentityCertificate.Create(identity);
    }

    /// <summary>Whether QUIC works here (libmsquic found); where not, the node uses TLS over TCP.</summary>
    public static bool IsSupported => QuicListener.IsSupported && QuicConnection.IsSupported;

    /// <inheritdoc/>
    public string Scheme => "quic";

    /// <inheritdoc/>
    public async Task<string> ListenAsync(string address, Func<IAssociation, Task> inbound, CancellationToken cancellationToken)
    {
        var endpoint = TransportAddress.Listening(address);
        _listener = await QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = endpoint,
            ApplicationProtocols = [Protocol],
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(new QuicServerConnectionOptions
            {
                DefaultStreamErrorCode = 1,
                DefaultCloseErrorCode = 1,
                ServerAuthenticationOptions = new SslServerAuthenticationOptions
                {
                    ApplicationProtocols = [Protocol],
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true, // Checked below, with a verdict.
                },
            }),
        }, cancellationToken).ConfigureAwait(false);
        var listener = _listener;
        _ = AcceptLoop.RunAsync(listener.AcceptConnectionAsync, connection => AdmitAsync(connection, inbound), e => e is QuicException, _stop.Token);
        return _listener.LocalEndPoint.ToString();
    }

    /// <inheritdoc/>
    public async Task<IAssociation> AssociateAsync(string address, NodeId? expected, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        timeout.CancelAfter(_connectTimeout);
        QuicConnection? connection = null;
        try
        {
            var (host, port) = TransportAddress.Remote(address);
            EndPoint endpoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
            connection = await QuicConnection.ConnectAsync(new QuicClientConnectionOptions
            {
                RemoteEndPoint = endpoint,
                DefaultStreamErrorCode = 1,
                DefaultCloseErrorCode = 1,
                ClientAuthenticationOptions = new SslClientAuthenticationOptions
                {
                    ApplicationProtocols = [Protocol],
                    TargetHost = "usbmesh",
                    ClientCertificates = [_certificate],
                    EnabledSslProtocols = SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true, // Checked below.
                },
            }, timeout.Token).ConfigureAwait(false);

            if (!IdentityCertificate.TryVerify(connection.RemoteCertificate, out var peer, out var problem))
            {
                throw new PeerRefusedException($"the accepting node proved no identity: {problem}");
            }

            if (expected is { } wanted && wanted != peer)
            {
                throw new PeerRefusedException($"expected node {wanted}, found {peer}");
            }

            await using (var verdict = await connection.AcceptInboundStreamAsync(timeout.Token).ConfigureAwait(false))
            {
                if (await Verdict.ReadAsync(verdict, timeout.Token).ConfigureAwait(false) is { } reason)
                {
                    throw new PeerRefusedException($"{peer} refused the connection: {reason}");
                }
            }

            return new QuicAssociation(peer, connection);
        }
        catch (Exception e) when (e is QuicException or AuthenticationException or OperationCanceledException or PeerRefusedException or IOException)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw new TransportException($"cannot associate with {address}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task AdmitAsync(QuicConnection connection, Func<IAssociation, Task> inbound)
    {
        try
        {
            var reason = IdentityCertificate.TryVerify(connection.RemoteCertificate, out var peer, out var problem) ? _refusal(peer) : problem;
            await using (var verdict = await connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, _stop.Token).ConfigureAwait(false))
            {
                await Verdict.WriteAsync(verdict, reason, _stop.Token).ConfigureAwait(false);
            }

            if (reason is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }

            await inbound(new QuicAssociation(peer, connection)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or IOException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
