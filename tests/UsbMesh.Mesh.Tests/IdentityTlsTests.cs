using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Mesh.Tests;

/// <summary>Identity-bound TLS 1.3 over real loopback sockets: who may connect, and what a refused peer learns.</summary>
public sealed class IdentityTlsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private readonly NodeIdentity _laptop = NodeIdentity.Generate();

    [Fact]
    public async Task Trusted_nodes_each_learn_the_others_id_and_talk_encrypted()
    {
        var (accepted, connected) = await HandshakeAsync(
            IdentityCertificate.Create(_hub), peer => peer == _laptop.Id ? null : "not trusted",
            IdentityCertificate.Create(_laptop), expected: _hub.Id);

        await using var server = await accepted;
        await using var client = await connected;
        Assert.Equal(_laptop.Id, server.Peer);
        Assert.Equal(_hub.Id, client.Peer);
        Assert.Equal(SslProtocols.Tls13, client.Stream.SslProtocol);

        await client.Stream.WriteAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        await server.Stream.ReadExactlyAsync(buffer);
        Assert.Equal("ping"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task An_untrusted_node_is_told_it_was_refused_and_why()
    {
        var (accepted, connected) = await HandshakeAsync(
            IdentityCertificate.Create(_hub), _ => "not in usbmesh.trust.peers",
            IdentityCertificate.Create(_laptop), expected: null);

        var serverSide = await Assert.ThrowsAsync<PeerRefusedException>(() => accepted);
        var clientSide = await Assert.ThrowsAsync<PeerRefusedException>(() => connected);
        Assert.Contains(_laptop.Id.ToString(), serverSide.Message, StringComparison.Ordinal);
        Assert.Contains("refused the connection: not in usbmesh.trust.peers", clientSide.Message, StringComparison.Ordinal);
    }

    [Fact]
    public Task A_certificate_claiming_another_nodes_id_is_refused() =>
        // The extension names the laptop, but an impostor signed it: the signature does not verify.
        RefusedBothWaysAsync(ForgedCertificates.Forge(claimed: _laptop.Id, signer: NodeIdentity.Generate()), "not signed by the node it names");

    [Fact]
    public Task An_identity_extension_copied_onto_another_key_is_refused()
    {
        // A genuine extension taken from the laptop's certificate and put on a certificate with a different TLS key.
        var genuine = IdentityCertificate.Create(_laptop);
        return RefusedBothWaysAsync(ForgedCertificates.SelfSigned("CN=copy", genuine.Extensions[IdentityCertificate.ExtensionOid]!), "not signed by the node it names");
    }

    [Fact]
    public Task A_certificate_without_an_identity_is_refused() =>
        RefusedBothWaysAsync(ForgedCertificates.SelfSigned("CN=plain", extension: null), "carries no node identity");

    /// <summary>The hub refuses a client presenting <paramref name="clientCertificate"/>, and the client is told why.</summary>
    private async Task RefusedBothWaysAsync(X509Certificate2 clientCertificate, string reason)
    {
        var (accepted, connected) = await HandshakeAsync(IdentityCertificate.Create(_hub), _ => null, clientCertificate, expected: null);

        var serverSide = await Assert.ThrowsAsync<PeerRefusedException>(() => accepted);
        var clientSide = await Assert.ThrowsAsync<PeerRefusedException>(() => connected);
        Assert.Contains(reason, serverSide.Message, StringComparison.Ordinal);
        Assert.Contains(reason, clientSide.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_refuses_an_accepting_node_other_than_the_one_it_meant()
    {
        var (accepted, connected) = await HandshakeAsync(
            IdentityCertificate.Create(_hub), _ => null, IdentityCertificate.Create(_laptop), expected: NodeIdentity.Generate().Id);

        var clientSide = await Assert.ThrowsAsync<PeerRefusedException>(() => connected);
        Assert.Contains($"found {_hub.Id}", clientSide.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await accepted;
            await server.Stream.ReadExactlyAsync(new byte[1]); // The client hung up.
        });
    }

    [Fact]
    public async Task A_client_refuses_an_accepting_node_that_proves_no_identity()
    {
        var forgedHub = ForgedCertificates.Forge(claimed: _hub.Id, signer: NodeIdentity.Generate());

        var (accepted, connected) = await HandshakeAsync(forgedHub, _ => null, IdentityCertificate.Create(_laptop), expected: null);

        var clientSide = await Assert.ThrowsAsync<PeerRefusedException>(() => connected);
        Assert.Contains("proved no identity", clientSide.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await accepted;
            await server.Stream.ReadExactlyAsync(new byte[1]);
        });
    }

    private static async Task<(Task<AuthenticatedStream> Accepted, Task<AuthenticatedStream> Connected)> HandshakeAsync(
        X509Certificate2 serverCertificate, Func<NodeId, string?> refusal, X509Certificate2 clientCertificate, NodeId? expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await listener.AcceptTcpClientAsync();
        using var timeout = new CancellationTokenSource(Bound);
        var accepted = IdentityTls.AcceptAsync(server.GetStream(), serverCertificate, refusal, CancellationToken.None).WaitAsync(Bound);
        var connected = IdentityTls.ConnectAsync(client.GetStream(), clientCertificate, expected, CancellationToken.None).WaitAsync(Bound);
        await Task.WhenAll(accepted, connected).ContinueWith(_ => { }, TaskScheduler.Default);
        return (accepted, connected);
    }
}
