using System.Text;
using System.Threading.Channels;
using UsbMesh.Mesh.Relay;
using UsbMesh.Mesh.Tls;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests.Relay;

/// <summary>Two nodes that cannot reach each other, and a third that relays between them: lanes run through it end to
/// end encrypted, a relay that changes bytes breaks the lane, and refusals say why.</summary>
public sealed class RelayTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("the plaintext a relay must never see: 0123456789abcdef");

    private readonly Channel<(NodeId Peer, byte[] Data)> _received = Channel.CreateUnbounded<(NodeId, byte[])>();
    private readonly Channel<Exception> _failures = Channel.CreateUnbounded<Exception>();
    private int _handled;
    private RelayTestMesh _mesh = null!;

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task A_lane_to_a_node_this_node_cannot_reach_runs_through_the_relay_and_serves_the_origin_by_its_proven_id()
    {
        _mesh.OfferRelay();
        using var timeout = new CancellationTokenSource(Bound);

        var lane = await _mesh.Origin.Remoting.OpenLaneAsync(_mesh.Target.Id, "echo", timeout.Token);
        await lane.WriteAsync(Secret, timeout.Token);

        Assert.Equal(Secret, await ReadExactlyAsync(lane, Secret.Length, timeout.Token));
        var (peer, data) = await _received.Reader.ReadAsync(timeout.Token);
        Assert.Equal(_mesh.Origin.Id, peer);
        Assert.Equal(Secret, data);
        Assert.DoesNotContain(_mesh.Target.Id, _mesh.Origin.Remoting.ConnectedNodes);

        // The lane ends as a direct one does: the origin completes, the service reads the end and completes too.
        lane.Complete();
        Assert.Equal(0, await lane.ReadAsync(new byte[16], timeout.Token));
    }

    [Fact]
    public async Task The_relay_copies_only_ciphertext()
    {
        var watched = _mesh.OfferRelay();
        using var timeout = new CancellationTokenSource(Bound);

        var lane = await _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token);
        await lane.WriteAsync(Secret, timeout.Token);
        Assert.Equal(Secret, await ReadExactlyAsync(lane, Secret.Length, timeout.Token));

        var seen = watched()!.Seen;
        Assert.True(seen.Length > 2 * Secret.Length, $"the relay copied {seen.Length} bytes");
        Assert.Equal(-1, seen.AsSpan().IndexOf(Secret.AsSpan(0, 16)));
        Assert.Equal(-1, seen.AsSpan().IndexOf("echo"u8));
    }

    [Fact]
    public async Task One_write_of_64_KiB_crosses_the_relays_hop_to_the_target_as_one_write()
    {
        var watched = _mesh.OfferRelay();
        using var timeout = new CancellationTokenSource(Bound);
        var lane = await EchoedFirstThroughRelayAsync(timeout.Token);
        var before = watched()!.Writes;

        var data = new byte[64 * 1024];
        Random.Shared.NextBytes(data);
        await lane.WriteAsync(data, timeout.Token);

        var received = new MemoryStream();
        await _received.Reader.ReadAsync(timeout.Token); // "first"
        while (received.Length < data.Length)
        {
            received.Write((await _received.Reader.ReadAsync(timeout.Token)).Data);
        }

        Assert.Equal(data, received.ToArray());

        // Held until TLS flushes, the write is one frame from the origin, and the relay reads it whole (two at most,
        // should the lane's credit cut it).
        Assert.InRange(watched()!.Writes - before, 1, 2);
    }

    [Fact]
    public async Task A_relay_that_changes_a_byte_after_the_handshake_breaks_the_lane_and_delivers_nothing_more()
    {
        var watched = _mesh.OfferRelay();
        using var timeout = new CancellationTokenSource(Bound);
        var lane = await EchoedFirstThroughRelayAsync(timeout.Token);
        Assert.Equal("first"u8.ToArray(), (await _received.Reader.ReadAsync(timeout.Token)).Data);

        watched()!.Tampering = true;
        await lane.WriteAsync(Secret, timeout.Token);

        await _failures.Reader.ReadAsync(timeout.Token);
        Assert.False(_received.Reader.TryRead(out _), "the service received data the relay changed");
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            // The origin sees the end: the target gave up on the session (or its reply cannot be read).
            if (await lane.ReadAsync(new byte[16], timeout.Token) == 0)
            {
                throw new EndOfStreamException();
            }
        });
    }

    [Fact]
    public async Task A_lane_the_relay_spoilt_ends_alone_while_the_others_and_new_ones_are_served()
    {
        var watched = _mesh.OfferRelay();
        using var timeout = new CancellationTokenSource(Bound);
        var spoilt = await _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token);
        var spoiltHop = watched()!;
        var honest = await _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token);
        Assert.NotSame(spoiltHop, watched());

        spoiltHop.Tampering = true;
        await spoilt.WriteAsync(Secret, timeout.Token);
        await _failures.Reader.ReadAsync(timeout.Token);

        // The other lane through the same relay, and a lane opened afterwards, carry their bytes unchanged.
        await honest.WriteAsync(Secret, timeout.Token);
        Assert.Equal(Secret, await ReadExactlyAsync(honest, Secret.Length, timeout.Token));
        var later = await _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token);
        await later.WriteAsync("later"u8.ToArray(), timeout.Token);
        Assert.Equal("later"u8.ToArray(), await ReadExactlyAsync(later, 5, timeout.Token));

        var delivered = new List<byte[]>();
        while (_received.Reader.TryRead(out var item))
        {
            delivered.Add(item.Data);
        }

        Assert.Equal([Secret, "later"u8.ToArray()], delivered);
        Assert.False(_failures.Reader.TryRead(out var other), $"another lane failed: {other}");
    }

    [Fact]
    public async Task A_relay_that_changes_a_byte_of_the_handshake_leaves_no_lane_at_all()
    {
        var policy = new RelayPolicy(true, _ => true);
        _mesh.Relay.Remoting.OfferRelay(policy, lane => new WatchedLane(lane) { Tampering = true });
        using var timeout = new CancellationTokenSource(Bound);

        await Assert.ThrowsAnyAsync<Exception>(() => _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token));

        Assert.False(timeout.IsCancellationRequested, "the handshake failed only by the time limit");
        Assert.Equal(0, Volatile.Read(ref _handled));
    }

    [Fact]
    public async Task A_relay_that_does_not_relay_says_so()
    {
        _mesh.OfferRelay(RelayPolicy.Disabled);
        using var timeout = new CancellationTokenSource(Bound);

        var refused = await Assert.ThrowsAsync<RelayRefusedException>(() => _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token));

        Assert.Contains("this node does not relay (usbmesh.mesh.relay.enabled = off)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relay_refuses_a_node_its_allow_list_does_not_name_and_says_so()
    {
        _mesh.OfferRelay(new RelayPolicy(true, node => node == _mesh.Target.Id));
        using var timeout = new CancellationTokenSource(Bound);

        var refused = await Assert.ThrowsAsync<RelayRefusedException>(() => _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token));

        Assert.Contains($"node {_mesh.Origin.Id.Short} may not relay through this node (usbmesh.mesh.relay.allow)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_target_refuses_an_origin_it_does_not_trust()
    {
        await _mesh.DisposeAsync();
        await StartAsync(origin => "this node does not trust it (usbmesh.trust.peers)");
        _mesh.OfferRelay();
        using var timeout = new CancellationTokenSource(Bound);

        var refused = await Assert.ThrowsAsync<PeerRefusedException>(() => _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token));

        Assert.Contains("this node does not trust it", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref _handled));
    }

    [Fact]
    public async Task The_target_refuses_a_relay_that_claims_another_origin_than_the_one_that_proves_itself()
    {
        // A relay that lies: it tells the target the lane comes from itself.
        var relay = _mesh.Relay.Remoting;
        relay.RegisterLaneService(RelayWire.RelayService, async (origin, fromOrigin) =>
        {
            var target = await RelayWire.ReadNodeAsync(fromOrigin, default);
            var toTarget = await relay.OpenDirectLaneAsync(target, RelayWire.RelayedService, default);
            await RelayWire.WriteNodeAsync(toTarget, relay.SelfNode, default);
            await RelayWire.WriteAnswerAsync(fromOrigin, null, default);
            await RelayPump.RunAsync(fromOrigin, toTarget, default);
        });
        using var timeout = new CancellationTokenSource(Bound);

        var refused = await Assert.ThrowsAsync<PeerRefusedException>(() => _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", timeout.Token));

        Assert.Contains($"said the connection came from node {_mesh.Relay.Id.Short}, but it proved to be node {_mesh.Origin.Id.Short}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref _handled));
    }

    private async Task StartAsync(Func<NodeId, string?>? targetTrusts = null)
    {
        _mesh = await RelayTestMesh.StartAsync(targetTrusts);
        _mesh.Target.Remoting.RegisterLaneService("echo", EchoAsync);
    }

    /// <summary>The target's service: echoes each read back, and reports what it read and how it failed.</summary>
    private async Task EchoAsync(NodeId peer, ILane lane)
    {
        Interlocked.Increment(ref _handled);
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await lane.ReadAsync(buffer)) > 0)
            {
                _received.Writer.TryWrite((peer, buffer[..read]));
                await lane.WriteAsync(buffer.AsMemory(0, read));
            }

            lane.Complete();
        }
        catch (Exception e)
        {
            _failures.Writer.TryWrite(e);
            lane.Complete();
        }
    }

    /// <summary>A lane through the relay to the target's echo, "first" written and echoed back on it.</summary>
    private async Task<ILane> EchoedFirstThroughRelayAsync(CancellationToken cancellationToken)
    {
        var lane = await _mesh.Origin.Remoting.OpenLaneThroughAsync(_mesh.Relay.Id, _mesh.Target.Id, "echo", cancellationToken);
        await lane.WriteAsync("first"u8.ToArray(), cancellationToken);
        Assert.Equal("first"u8.ToArray(), await ReadExactlyAsync(lane, 5, cancellationToken));
        return lane;
    }

    private static async Task<byte[]> ReadExactlyAsync(ILane lane, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await lane.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            Assert.NotEqual(0, read);
            filled += read;
        }

        return buffer;
    }
}
