using System.Runtime.Versioning;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests;

/// <summary>QUIC where the system has libmsquic; elsewhere (Debian 12 ships none) these say why they did not run.</summary>
[SupportedOSPlatform("linux")]
public sealed class QuicTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [QuicFact]
    public async Task A_trusted_node_associates_over_quic_and_a_lane_carries_bytes()
    {
        var hub = NodeIdentity.Generate();
        var laptop = NodeIdentity.Generate();
        await using var hubTransport = new QuicTransport(hub, peer => peer == laptop.Id ? null : "not trusted", Bound);
        await using var laptopTransport = new QuicTransport(laptop, _ => null, Bound);
        var accepted = new TaskCompletionSource<IAssociation>();
        var address = await hubTransport.ListenAsync("127.0.0.1:0", a => { accepted.TrySetResult(a); return Task.CompletedTask; }, default);

        await using var client = await laptopTransport.AssociateAsync(address, hub.Id, default);
        var lane = await client.OpenLaneAsync();
        await lane.WriteAsync("over quic"u8.ToArray());
        await using var server = await accepted.Task.WaitAsync(Bound);
        var received = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        var buffer = new byte[9];
        var n = await received.ReadAsync(buffer);

        Assert.Equal(laptop.Id, server.RemoteNode);
        Assert.Equal("over quic"u8.ToArray(), buffer[..n]);
    }

    [QuicFact]
    public async Task An_untrusted_node_is_refused_over_quic_with_the_reason()
    {
        await using var hubTransport = new QuicTransport(NodeIdentity.Generate(), _ => "not trusted", Bound);
        await using var laptopTransport = new QuicTransport(NodeIdentity.Generate(), _ => null, Bound);
        var address = await hubTransport.ListenAsync("127.0.0.1:0", _ => Task.CompletedTask, default);

        var error = await Assert.ThrowsAsync<TransportException>(() => laptopTransport.AssociateAsync(address, null, default));
        Assert.Contains("not trusted", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs only where QUIC is supported, and says so where it is not.</summary>
    private sealed class QuicFactAttribute : FactAttribute
    {
        public QuicFactAttribute()
        {
            if (!QuicTransport.IsSupported)
            {
                Skip = "QUIC is not supported here: System.Net.Quic found no libmsquic (Debian 12 does not package it); the TLS transport is used instead";
            }
        }
    }
}
