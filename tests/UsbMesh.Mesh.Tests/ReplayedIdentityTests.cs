using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Tls;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests;

/// <summary>
/// An attacker replays a trusted node's certificate, captured from an earlier handshake (certificates travel
/// encrypted in TLS 1.3, but a node's certificate is no secret): the certificate and its identity extension are
/// genuine, only the TLS key they bind is missing. Over real loopback sockets, against the node's real TLS stack.
/// </summary>
public sealed class ReplayedIdentityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>The TLS alert for a signature that does not verify (RFC 8446, 6.2).</summary>
    private const byte DecryptError = 51;

    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private static readonly NodeIdentity LaptopIdentity = NodeIdentity.Generate();
    private readonly X509Certificate2 _laptopCertificate = IdentityCertificate.Create(LaptopIdentity);
    private int _trustAsked;

    private static NodeId Laptop => LaptopIdentity.Id;

    [Fact]
    public async Task The_hand_written_client_holding_the_certificates_key_is_accepted_as_the_laptop()
    {
        // The control: the same client, signing with the key the certificate binds, gets through. So when the replay
        // below fails, it fails for the missing key and not for the client.
        using var key = _laptopCertificate.GetECDsaPrivateKey()!;

        var (accepted, answer) = await HandWrittenHandshakeAsync(_laptopCertificate.RawData, key);

        await using var hubSide = await accepted;
        Assert.Equal(Laptop, hubSide.Peer);
        Assert.Null(answer.Alert);
        Assert.Equal(1, answer.Data![0]); // The verdict: accepted.
    }

    [Fact]
    public async Task A_captured_certificate_proven_with_another_key_fails_the_handshake_before_trust_is_asked()
    {
        using var attackersKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (accepted, answer) = await HandWrittenHandshakeAsync(_laptopCertificate.RawData, attackersKey);

        var failed = await Assert.ThrowsAsync<AuthenticationException>(() => accepted);
        Assert.Equal(0, Volatile.Read(ref _trustAsked));
        Assert.Null(answer.Data);
        Assert.Equal(DecryptError, answer.Alert);
        output.WriteLine($"the hub answered alert {answer.Alert}; its handshake failed: {failed.Message} ({failed.InnerException?.Message})");

        // The laptop itself still connects.
        using var listener = Listen();
        await using var honest = await AcceptWhileAsync(listener, async stream =>
        {
            await using var tls = await IdentityTls.ConnectAsync(stream, _laptopCertificate, _hub.Id, default);
        });
        Assert.Equal(Laptop, honest.Peer);
    }

    [Fact]
    public async Task A_captured_certificate_without_its_key_is_not_even_sent_by_a_standard_tls_stack()
    {
        // Loaded from its public bytes, the certificate has no key: the client's TLS stack leaves it out, and the hub
        // refuses a peer that proves nothing.
        using var captured = X509CertificateLoader.LoadCertificate(_laptopCertificate.RawData);
        using var listener = Listen();

        var refused = await Assert.ThrowsAsync<PeerRefusedException>(() => AcceptWhileAsync(listener, async stream =>
        {
            await using var tls = await IdentityTls.ConnectAsync(stream, captured, _hub.Id, default);
        }));

        Assert.Contains("the peer sent no certificate", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref _trustAsked));
    }

    /// <summary>The hub's side and the hand-written client's answer, after the client proved
    /// <paramref name="certificate"/> with <paramref name="signer"/>.</summary>
    private async Task<(Task<AuthenticatedStream> Accepted, HandWrittenTlsClient.Answer Answer)> HandWrittenHandshakeAsync(byte[] certificate, ECDsa signer)
    {
        using var listener = Listen();
        HandWrittenTlsClient.Answer? answer = null;
        var accepted = AcceptWhileAsync(listener, async stream => answer = await HandWrittenTlsClient.HandshakeAsync(stream, certificate, signer, default));
        await accepted.ContinueWith(_ => { }, TaskScheduler.Default);
        return (accepted, answer!);
    }

    /// <summary>The hub accepts one connection on <paramref name="listener"/> while <paramref name="client"/> runs on
    /// the other end; the hub trusts the laptop and counts how often its trust list is asked.</summary>
    private async Task<AuthenticatedStream> AcceptWhileAsync(TcpListener listener, Func<Stream, Task> client)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        var accepted = IdentityTls.AcceptAsync(server.GetStream(), IdentityCertificate.Create(_hub), peer =>
        {
            Interlocked.Increment(ref _trustAsked);
            return peer == Laptop ? null : "not trusted";
        }, default).WaitAsync(Bound);

        // The client's own outcome is beside the point (an attacker sees the connection fail); the hub's verdict is.
        try
        {
            await client(socket.GetStream()).WaitAsync(Bound);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or PeerRefusedException)
        {
        }

        return await accepted;
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }
}
