using System.Net;
using System.Net.Sockets;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Bench.Mesh;

/// <summary>Two ends of one identity-bound TLS 1.3 connection on loopback: the raw limit the mesh benchmarks compare against.</summary>
internal sealed record TlsPair(AuthenticatedStream Client, AuthenticatedStream Server) : IAsyncDisposable
{
    public static async Task<TlsPair> ConnectAsync()
    {
        var hub = NodeIdentity.Generate();
        var laptop = NodeIdentity.Generate();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var acceptedClient = await listener.AcceptTcpClientAsync();
        acceptedClient.NoDelay = true;
        var accepted = acceptedClient.GetStream();
        var server = IdentityTls.AcceptAsync(accepted, IdentityCertificate.Create(hub), _ => null, default);
        var client = await IdentityTls.ConnectAsync(tcp.GetStream(), IdentityCertificate.Create(laptop), hub.Id, default);
        return new TlsPair(client, await server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
