using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Tls;

/// <summary>A TLS 1.3 stream whose peer has proven its node identity (and, on the accepting side, is trusted).</summary>
/// <param name="Stream">The encrypted stream, past the verdict frame.</param>
/// <param name="Peer">Who is at the other end.</param>
public sealed record AuthenticatedStream(SslStream Stream, NodeId Peer) : IAsyncDisposable
{
    /// <summary>Closes the stream and the transport under it.</summary>
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>The other side refused the connection, or proved no acceptable identity; the message says why.</summary>
public sealed class PeerRefusedException(string message) : Exception(message);

/// <summary>
/// TLS 1.3 bound to node identities (docs/adr/0006): both sides present an <see cref="IdentityCertificate"/> and
/// verify the other's; then the accepting side checks its trust list and sends the first frame, the verdict. In
/// TLS 1.3 a client whose certificate the server dislikes still completes its handshake, so without that frame a
/// refused client would learn nothing; with it, an untrusted peer learns that it was refused and why, and nothing
/// else — not a byte of the node's devices.
/// </summary>
public static class IdentityTls
{
    /// <summary>Accepts a connection: proves this node, checks the peer's proof and trust, sends the verdict.</summary>
    /// <param name="transport">The connected transport stream (owned by the returned stream, or closed on refusal).</param>
    /// <param name="certificate">This process's <see cref="IdentityCertificate"/>.</param>
    /// <param name="refusal">The trust list: why a peer may not connect, or null when it may.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <exception cref="PeerRefusedException">The peer was refused (after it was told why).</exception>
    /// <exception cref="AuthenticationException">The TLS handshake failed.</exception>
    public static async Task<AuthenticatedStream> AcceptAsync(
        Stream transport, X509Certificate2 certificate, Func<NodeId, string?> refusal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var proof = new PeerProof();
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

                // Self-signed by design: the chain proves nothing, the identity extension everything. The verdict
                // goes out as a frame, so the handshake itself completes for any certificate.
                RemoteCertificateValidationCallback = (_, peerCertificate, _, _) => proof.Check(peerCertificate),
            }, cancellationToken).ConfigureAwait(false);

            var reason = proof.Problem ?? refusal(proof.Peer);
            await Verdict.WriteAsync(tls, reason, cancellationToken).ConfigureAwait(false);
            if (reason is not null)
            {
                throw new PeerRefusedException(proof.Problem is null ? $"{proof.Peer} refused: {reason}" : $"refused: {reason}");
            }

            return new AuthenticatedStream(tls, proof.Peer);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects: proves this node, checks the accepting node's proof, then reads its verdict.</summary>
    /// <param name="transport">The connected transport stream (owned by the returned stream, or closed on failure).</param>
    /// <param name="certificate">This process's <see cref="IdentityCertificate"/>.</param>
    /// <param name="expected">The node meant to be at the other end, if known: any other is refused.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <exception cref="PeerRefusedException">The other side refused, or it is not the node expected.</exception>
    /// <exception cref="AuthenticationException">The TLS handshake failed.</exception>
    public static async Task<AuthenticatedStream> ConnectAsync(
        Stream transport, X509Certificate2 certificate, NodeId? expected, CancellationToken cancellationToken)
    {
        var proof = new PeerProof();
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "usbmesh",
                ClientCertificates = [certificate],
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, peerCertificate, _, _) => proof.Check(peerCertificate),
            }, cancellationToken).ConfigureAwait(false);

            if (proof.Problem is { } problem)
            {
                throw new PeerRefusedException($"the accepting node proved no identity: {problem}");
            }

            if (expected is { } wanted && wanted != proof.Peer)
            {
                throw new PeerRefusedException($"expected node {wanted}, found {proof.Peer}");
            }

            if (await Verdict.ReadAsync(tls, cancellationToken).ConfigureAwait(false) is { } reason)
            {
                throw new PeerRefusedException($"{proof.Peer} refused the connection: {reason}");
            }

            return new AuthenticatedStream(tls, proof.Peer);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What the certificate validation callback found, for after the handshake.</summary>
    private sealed class PeerProof
    {
        public NodeId Peer { get; private set; }

        public string? Problem { get; private set; } = "the peer sent no certificate";

        public bool Check(X509Certificate? certificate)
        {
            if (IdentityCertificate.TryVerify(certificate, out var peer, out var problem))
            {
                (Peer, Problem) = (peer, null);
            }
            else
            {
                Problem = problem;
            }

            return true;
        }
    }
}
