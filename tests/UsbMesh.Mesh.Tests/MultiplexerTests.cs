using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Mesh.Tests;

public sealed class MultiplexerTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly MultiplexerOptions Small = new() { MaxFrameSize = 16 * 1024, LaneWindow = 64 * 1024 };

    private readonly List<Multiplexer> _muxes = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var mux in _muxes)
        {
            await mux.DisposeAsync();
        }
    }

    private (Multiplexer Client, Multiplexer Server) Pair(MultiplexerOptions options)
    {
        var (a, b) = DuplexStream.CreatePair();
        var client = new Multiplexer(a, options, initiator: true);
        var server = new Multiplexer(b, options, initiator: false);
        _muxes.Add(client);
        _muxes.Add(server);
        client.Start();
        server.Start();
        return (client, server);
    }

    /// <summary>Two multiplexers over identity-bound TLS on a loopback TCP connection.</summary>
    private async Task<(Multiplexer Client, Multiplexer Server)> TlsPairAsync(MultiplexerOptions options)
    {
        var hub = NodeIdentity.Generate();
        var laptop = NodeIdentity.Generate();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var accepted = IdentityTls.AcceptAsync((await listener.AcceptTcpClientAsync()).GetStream(), IdentityCertificate.Create(hub), _ => null, default);
        var clientTls = await IdentityTls.ConnectAsync(tcp.GetStream(), IdentityCertificate.Create(laptop), hub.Id, default).WaitAsync(Bound);
        var serverTls = await accepted.WaitAsync(Bound);
        var client = new Multiplexer(clientTls.Stream, options, initiator: true);
        var server = new Multiplexer(serverTls.Stream, options, initiator: false);
        _muxes.Add(client);
        _muxes.Add(server);
        client.Start();
        server.Start();
        return (client, server);
    }

    private static async Task<byte[]> ReadAllAsync(MuxLane lane, int count)
    {
        var data = new byte[count];
        var at = 0;
        while (at < count)
        {
            var n = await lane.ReadAsync(data.AsMemory(at)).AsTask().WaitAsync(Bound);
            Assert.True(n > 0, $"lane {lane.Id} ended after {at} of {count} bytes");
            at += n;
        }

        return data;
    }

    [Fact]
    public async Task Lanes_carry_their_bytes_in_order_both_ways_cut_into_frames()
    {
        var (client, server) = Pair(Small);
        var payloads = Enumerable.Range(0, 4).Select(i => RandomNumberGenerator.GetBytes(200_000 + i)).ToArray();

        var lanes = payloads.Select(_ => client.OpenLane()).ToArray();
        var writes = lanes.Select((lane, i) => lane.WriteAsync(payloads[i]).AsTask()).ToArray();
        var accepted = new Dictionary<uint, MuxLane>();
        for (var i = 0; i < lanes.Length; i++)
        {
            var lane = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
            accepted[lane.Id] = lane;
        }

        for (var i = 0; i < lanes.Length; i++)
        {
            Assert.Equal(payloads[i], await ReadAllAsync(accepted[lanes[i].Id], payloads[i].Length));
        }

        await Task.WhenAll(writes).WaitAsync(Bound);
        Assert.All(lanes, l => Assert.Equal(1u, l.Id % 2));

        // And back, on a lane the server opens (even).
        var back = server.OpenLane();
        await back.WriteAsync("pong"u8.ToArray());
        var fromServer = await client.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(0u, fromServer.Id % 2);
        Assert.Equal("pong"u8.ToArray(), await ReadAllAsync(fromServer, 4));
    }

    [Fact]
    public async Task A_slow_reader_holds_back_its_own_lane_only_and_never_buffers_more_than_the_window()
    {
        var (client, server) = Pair(Small);
        var bulk = client.OpenLane();
        var keys = client.OpenLane();

        // Nobody reads the bulk lane: its writer gets one window through, then waits for credit.
        var flood = bulk.WriteAsync(new byte[Small.LaneWindow * 4]).AsTask();
        var bulkAtServer = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        var deadline = DateTime.UtcNow + Bound;
        while (bulkAtServer.Buffered < Small.LaneWindow && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await Task.Delay(200); // Room for anything beyond the window to arrive, were it sent.
        Assert.Equal(Small.LaneWindow, bulkAtServer.Buffered);
        Assert.False(flood.IsCompleted);

        // Meanwhile a keystroke goes through at once on its own lane.
        await keys.WriteAsync(new byte[] { 0x04 }).AsTask().WaitAsync(Bound);
        var keysAtServer = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(new byte[] { 0x04 }, await ReadAllAsync(keysAtServer, 1));

        // Reading the bulk lane grants credit, and the rest follows.
        await ReadAllAsync(bulkAtServer, Small.LaneWindow * 4);
        await flood.WaitAsync(Bound);
    }

    [Fact]
    public async Task Over_real_tls_a_slow_bulk_reader_does_not_hold_back_another_lane_and_no_byte_is_lost()
    {
        var (client, server) = await TlsPairAsync(Small);
        var image = RandomNumberGenerator.GetBytes(Small.LaneWindow * 8);
        var bulk = client.OpenLane();
        var flood = bulk.WriteAsync(image).AsTask();
        var bulkAtServer = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        var keys = client.OpenLane();
        await keys.WriteAsync(new byte[] { 0x1E });
        var keysAtServer = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(new byte[] { 0x1E }, await ReadAllAsync(keysAtServer, 1));
        Assert.False(flood.IsCompleted); // Eight windows cannot have gone through a reader that has not read.

        // The slow reader: small reads with pauses; everything arrives, in order.
        var received = new MemoryStream();
        var chunk = new byte[4096];
        while (received.Length < image.Length)
        {
            var n = await bulkAtServer.ReadAsync(chunk).AsTask().WaitAsync(Bound);
            received.Write(chunk, 0, n);
            if (received.Length % (Small.LaneWindow / 2) < 4096)
            {
                await Task.Delay(10);
            }
        }

        await flood.WaitAsync(Bound);
        Assert.Equal(image, received.ToArray());
    }

    [Fact]
    public async Task Over_real_tls_large_writes_on_several_lanes_at_once_arrive_whole_and_in_order()
    {
        // Frames up to the default maximum: a large frame finding the transport idle is written from the writer's own
        // memory, one finding it busy is queued behind the write in progress; the two interleave here.
        var (client, server) = await TlsPairAsync(new MultiplexerOptions());
        var images = Enumerable.Range(0, 4).Select(_ => RandomNumberGenerator.GetBytes(3 << 20)).ToArray();
        var lanes = images.Select(_ => client.OpenLane()).ToArray();
        var writes = lanes.Select((lane, i) => Task.Run(async () =>
        {
            var sizes = new Random(i);
            for (var at = 0; at < images[i].Length;)
            {
                var n = Math.Min(sizes.Next(1, 200 * 1024), images[i].Length - at);
                await lane.WriteAsync(images[i].AsMemory(at, n));
                at += n;
            }
        })).ToArray();

        var accepted = new Dictionary<uint, MuxLane>();
        for (var i = 0; i < lanes.Length; i++)
        {
            var lane = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
            accepted[lane.Id] = lane;
        }

        var reads = lanes.Select((lane, i) => ReadAllAsync(accepted[lane.Id], images[i].Length)).ToArray();
        var received = await Task.WhenAll(reads).WaitAsync(Bound);
        await Task.WhenAll(writes).WaitAsync(Bound);
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal(images[i], received[i]);
        }
    }

    [Fact]
    public async Task Lanes_closed_both_ways_no_longer_count_so_a_connection_carries_many_more_than_the_maximum_over_its_life()
    {
        var (client, server) = Pair(new MultiplexerOptions { MaxLanes = 4 });

        for (var i = 0; i < 40; i++)
        {
            var lane = client.OpenLane();
            await lane.WriteAsync(new[] { (byte)i });
            var accepted = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
            Assert.Equal(new[] { (byte)i }, await ReadAllAsync(accepted, 1));
            accepted.Complete();
            lane.Complete();
            Assert.Equal(0, await lane.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound));
            Assert.Equal(0, await accepted.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound));
        }

        Assert.False(client.Completion.IsCompleted, client.Completion.IsCompleted ? await client.Completion : "");
        Assert.False(server.Completion.IsCompleted, server.Completion.IsCompleted ? await server.Completion : "");
    }

    [Fact]
    public async Task A_cancelled_read_gives_up_its_buffer_and_the_next_read_gets_the_bytes_in_order()
    {
        var (client, server) = Pair(Small);
        var lane = client.OpenLane();
        await lane.WriteAsync("a"u8.ToArray());
        var atServer = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        Assert.Equal("a"u8.ToArray(), await ReadAllAsync(atServer, 1));

        // A waiting reader is where frames are read into; cancelled, it must no longer be.
        var abandoned = new byte[64];
        using var cancel = new CancellationTokenSource();
        var waiting = atServer.ReadAsync(abandoned, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Bound));

        var payload = RandomNumberGenerator.GetBytes(40_000);
        await lane.WriteAsync(payload).AsTask().WaitAsync(Bound);
        Assert.Equal(payload, await ReadAllAsync(atServer, payload.Length));
        Assert.All(abandoned, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task A_frame_over_the_maximum_fails_the_connection_before_its_payload_is_read()
    {
        var (a, b) = DuplexStream.CreatePair();
        var server = new Multiplexer(b, Small, initiator: false);
        _muxes.Add(server);
        server.Start();

        var header = new byte[MuxFrameHeader.Size];
        new MuxFrameHeader(MuxFrameType.Data, 1, int.MaxValue).WriteTo(header);
        await a.WriteAsync(header);
        await a.FlushAsync();

        var reason = await server.Completion.WaitAsync(Bound);
        Assert.Contains($"{int.MaxValue} bytes", reason, StringComparison.Ordinal);
        Assert.Contains($"{Small.MaxFrameSize}", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_sends_beyond_its_credit_fails_the_connection()
    {
        var (a, b) = DuplexStream.CreatePair();
        var server = new Multiplexer(b, Small with { LaneWindow = 1024 }, initiator: false);
        _muxes.Add(server);
        server.Start();

        for (var i = 0; i < 3; i++)
        {
            var frame = new byte[MuxFrameHeader.Size + 512];
            new MuxFrameHeader(MuxFrameType.Data, 1, 512).WriteTo(frame);
            await a.WriteAsync(frame);
        }

        await a.FlushAsync();
        Assert.Contains("more than its credit", await server.Completion.WaitAsync(Bound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeats_keep_a_quiet_connection_up_and_a_silent_peer_is_dropped()
    {
        // Margins for a loaded machine: pings every 100 ms against a 2 s idle timeout.
        var quick = Small with { HeartbeatInterval = TimeSpan.FromMilliseconds(100), IdleTimeout = TimeSpan.FromSeconds(2) };
        var (client, server) = Pair(quick);

        await Task.Delay(4500); // More than two idle timeouts without a byte of lane traffic.
        Assert.False(client.Completion.IsCompleted);
        Assert.False(server.Completion.IsCompleted);

        // A peer that says nothing at all (no pongs either) is dropped after the idle timeout.
        var (_, silentPeer) = DuplexStream.CreatePair();
        var lonely = new Multiplexer(silentPeer, quick, initiator: false);
        _muxes.Add(lonely);
        lonely.Start();
        Assert.Contains("nothing received", await lonely.Completion.WaitAsync(Bound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_connection_ends_every_lane_reader_and_writer_is_released_with_the_reason()
    {
        var (client, server) = Pair(Small);
        var lane = client.OpenLane();
        var stuck = lane.WriteAsync(new byte[Small.LaneWindow * 2]).AsTask();
        var reading = lane.ReadAsync(new byte[1]).AsTask();

        await server.DisposeAsync();

        var readFailure = await Assert.ThrowsAsync<MuxException>(() => reading.WaitAsync(Bound));
        await Assert.ThrowsAsync<MuxException>(() => stuck.WaitAsync(Bound));
        Assert.Contains("closed", readFailure.Message, StringComparison.Ordinal);
        Assert.Contains("closed", await client.Completion.WaitAsync(Bound), StringComparison.Ordinal);
    }
}
