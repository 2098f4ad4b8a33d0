using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests;

/// <summary>The TLS transport over real loopback sockets.</summary>
public sealed class TlsTransportTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly MultiplexerOptions Options = new();

    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private readonly NodeIdentity _laptop = NodeIdentity.Generate();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly TaskCompletionSource<IAssociation> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private async Task<string> ListenAsync(Func<NodeId, string?> refusal)
    {
        var hub = new TlsTransport(_hub, refusal, Options, Bound);
        _owned.Add(hub);
        return await hub.ListenAsync("127.0.0.1:0", association =>
        {
            _owned.Add(association);
            _accepted.TrySetResult(association);
            return Task.CompletedTask;
        }, default);
    }

    private TlsTransport Laptop()
    {
        var laptop = new TlsTransport(_laptop, _ => null, Options, Bound);
        _owned.Add(laptop);
        return laptop;
    }

    [Fact]
    public async Task A_trusted_node_associates_and_both_sides_open_lanes()
    {
        var address = await ListenAsync(peer => peer == _laptop.Id ? null : "not trusted");

        var client = await Laptop().AssociateAsync(address, _hub.Id, default);
        _owned.Add(client);
        var lane = await client.OpenLaneAsync();
        await lane.WriteAsync("attach 1-1"u8.ToArray());
        var server = await _accepted.Task.WaitAsync(Bound);
        var received = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        var buffer = new byte[10];
        var n = await received.ReadAsync(buffer).AsTask().WaitAsync(Bound);

        Assert.Equal(_hub.Id, client.RemoteNode);
        Assert.Equal(_laptop.Id, server.RemoteNode);
        Assert.Equal("attach 1-1"u8.ToArray(), buffer[..n]);
    }

    [Fact]
    public async Task An_untrusted_node_learns_it_was_refused_and_never_gets_an_association()
    {
        var address = await ListenAsync(_ => "this node does not trust it");

        var error = await Assert.ThrowsAsync<TransportException>(() => Laptop().AssociateAsync(address, null, default));

        Assert.Contains("this node does not trust it", error.Message, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.False(_accepted.Task.IsCompleted);
    }

    [Fact]
    public async Task Associating_expecting_another_node_is_refused()
    {
        var address = await ListenAsync(_ => null);

        var error = await Assert.ThrowsAsync<TransportException>(() => Laptop().AssociateAsync(address, NodeIdentity.Generate().Id, default));

        Assert.Contains("expected node", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nobody_listening_is_a_clear_error_and_a_closed_peer_disassociates_the_other_side()
    {
        var nobody = await Assert.ThrowsAsync<TransportException>(() => Laptop().AssociateAsync("127.0.0.1:1", null, default));
        Assert.Contains("127.0.0.1:1", nobody.Message, StringComparison.Ordinal);

        var address = await ListenAsync(_ => null);
        var client = await Laptop().AssociateAsync(address, null, default);
        _owned.Add(client);
        var server = await _accepted.Task.WaitAsync(Bound);
        await server.DisposeAsync();

        Assert.NotNull(await client.Disassociated.WaitAsync(Bound));
    }
}
