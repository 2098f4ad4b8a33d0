using System.Diagnostics;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests;

/// <summary>The in-memory transport: associations and lanes as over a network, and the network's faults.</summary>
public sealed class InMemoryTransportTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    // A 3 s idle timeout: a loaded machine can stall a heartbeat for a second; a short partition (300 ms) must survive.
    private static readonly MultiplexerOptions Quick = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(100), IdleTimeout = TimeSpan.FromSeconds(3) };

    private readonly InMemoryNetwork _network = new();
    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private readonly NodeIdentity _laptop = NodeIdentity.Generate();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly TaskCompletionSource<IAssociation> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private async Task<(IAssociation Client, IAssociation Server)> ConnectAsync(Func<NodeId, string?>? refusal = null)
    {
        var hub = new InMemoryTransport(_network, _hub.Id, refusal ?? (_ => null), Quick);
        var laptop = new InMemoryTransport(_network, _laptop.Id, _ => null, Quick);
        _owned.Add(hub);
        _owned.Add(laptop);
        await hub.ListenAsync("mem://hub", association =>
        {
            _owned.Add(association);
            _accepted.TrySetResult(association);
            return Task.CompletedTask;
        }, default);
        await laptop.ListenAsync("mem://laptop", _ => Task.CompletedTask, default);
        var client = await laptop.AssociateAsync("mem://hub", _hub.Id, default);
        _owned.Add(client);
        return (client, await _accepted.Task.WaitAsync(Bound));
    }

    private static async Task<byte[]> ReadAsync(ILane lane, int count)
    {
        var data = new byte[count];
        for (var at = 0; at < count;)
        {
            var n = await lane.ReadAsync(data.AsMemory(at)).AsTask().WaitAsync(Bound);
            Assert.True(n > 0);
            at += n;
        }

        return data;
    }

    private static async Task<ILane> SendAsync(IAssociation from, IAssociation to, byte[] data)
    {
        var lane = await from.OpenLaneAsync();
        await lane.WriteAsync(data);
        return await to.AcceptLaneAsync().AsTask().WaitAsync(Bound);
    }

    [Fact]
    public async Task Each_side_knows_the_other_and_lanes_carry_bytes()
    {
        var (client, server) = await ConnectAsync();

        Assert.Equal(_hub.Id, client.RemoteNode);
        Assert.Equal(_laptop.Id, server.RemoteNode);
        var lane = await SendAsync(client, server, "hello"u8.ToArray());
        Assert.Equal("hello"u8.ToArray(), await ReadAsync(lane, 5));
    }

    [Fact]
    public async Task An_untrusted_node_is_refused_with_the_reason_and_a_wrong_node_is_refused()
    {
        var refused = await Assert.ThrowsAsync<TransportException>(() => ConnectAsync(_ => "not in the trust list"));
        Assert.Contains("not in the trust list", refused.Message, StringComparison.Ordinal);

        var other = new InMemoryTransport(_network, _laptop.Id, _ => null, Quick);
        _owned.Add(other);
        var wrong = await Assert.ThrowsAsync<TransportException>(() => other.AssociateAsync("mem://hub", NodeIdentity.Generate().Id, default));
        Assert.Contains("expected node", wrong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TransportException>(() => other.AssociateAsync("mem://nobody", null, default));
    }

    [Fact]
    public async Task A_short_partition_delays_bytes_without_losing_one()
    {
        var (client, server) = await ConnectAsync();
        var faults = _network.FaultsBetween("mem://laptop", "mem://hub");

        faults.Partition();
        var lane = await client.OpenLaneAsync();
        await lane.WriteAsync("during the partition"u8.ToArray());
        var accepting = server.AcceptLaneAsync().AsTask();
        await Task.Delay(300);
        Assert.False(accepting.IsCompleted);

        faults.Heal();
        Assert.Equal("during the partition"u8.ToArray(), await ReadAsync(await accepting.WaitAsync(Bound), 20));
        Assert.False(client.Disassociated.IsCompleted);
    }

    [Fact]
    public async Task A_partition_longer_than_the_idle_timeout_disassociates_both_sides()
    {
        var (client, server) = await ConnectAsync();

        _network.FaultsBetween("mem://hub", "mem://laptop").Partition();

        Assert.Contains("nothing received", await client.Disassociated.WaitAsync(Bound), StringComparison.Ordinal);
        Assert.Contains("nothing received", await server.Disassociated.WaitAsync(Bound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cut_link_disassociates_both_sides_at_once()
    {
        var (client, server) = await ConnectAsync();
        var clock = Stopwatch.StartNew();

        _network.Cut("mem://hub", "mem://laptop");

        await Task.WhenAll(client.Disassociated, server.Disassociated).WaitAsync(Bound);
        Assert.True(clock.Elapsed < Quick.IdleTimeout, $"took {clock.Elapsed}: the cut was noticed by the idle timeout, not at once");
    }

    [Fact]
    public async Task A_delay_holds_every_write_back_by_that_much_in_order()
    {
        var (client, server) = await ConnectAsync();
        _network.FaultsBetween("mem://hub", "mem://laptop").Delay = TimeSpan.FromMilliseconds(150);
        var clock = Stopwatch.StartNew();

        // There (150 ms), and once the hub has the lane, back (150 ms).
        var lane = await SendAsync(client, server, [1, 2, 3]);
        var back = await server.OpenLaneAsync();
        await back.WriteAsync(new byte[] { 7 });
        var echo = await client.AcceptLaneAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAsync(lane, 3));
        Assert.Equal(new byte[] { 7 }, await ReadAsync(echo, 1));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"a round trip took {clock.Elapsed}");
    }
}
