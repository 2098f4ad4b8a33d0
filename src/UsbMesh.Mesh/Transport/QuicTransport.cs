using System.Net;
using System.Net.Quic;
using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Tls;
using UsbMesh.Net;

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
    private readonly InboundAdmission? _admissionSettings;
    private QuicListener? _listener;
    private ConnectionAdmission? _admission;

    /// <summary>Creates the transport; check <see cref="IsSupported"/> first.</summary>
    /// <param name="identity">This node's identity.</param>
    /// <param name="refusal">The trust list: why a peer may not connect, or null.</param>
    /// <param name="connectTimeout">How long connecting and the handshake may take.</param>
    /// <param name="admissionSettings">How the listener admits connections (once QUIC's handshake is done, which
    /// must end within its handshake timeout); null for no limits.</param>
    public QuicTransport(NodeIdentity identity, Func<NodeId, string?> refusal, TimeSpan connectTimeout, InboundAdmission? admissionSettings = null)
    {
        _refusal = refusal;
        _connectTimeout = connectTimeout;
        _admissionSettings = admissionSettings;
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
                HandshakeTimeout = _admissionSettings?.HandshakeTimeout ?? _connectTimeout,
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
        var admission = _admission = _admissionSettings?.Open(Scheme, listener.LocalEndPoint.ToString());
        _ = AcceptLoop.RunAsync(listener.AcceptConnectionAsync, connection => AdmitAsync(connection, admission, inbound), e => e is QuicException or AuthenticationException, _stop.Token);
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

        _admission?.Dispose();
    }

    private async Task AdmitAsync(QuicConnection connection, ConnectionAdmission? admission, Func<IAssociation, Task> inbound)
    {
        IDisposable? slot = null;
        if (admission is not null && (slot = admission.TryAdmit(connection.RemoteEndPoint)) is null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }

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
                slot?.Dispose();
                return;
            }

            var association = new QuicAssociation(peer, connection);
            if (slot is not null)
            {
                InboundAdmission.ReleaseWhenEnded(association, slot);
            }

            await inbound(association).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or IOException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            slot?.Dispose();
        }
    }
}
