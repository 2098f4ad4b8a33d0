using System.Buffers.Binary;
using System.Collections.Concurrent;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Resumable;

namespace UsbMesh.Mesh.Tests.Resumable;

public sealed class ResumableLaneTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Messages_sent_across_repeated_cuts_arrive_once_each_in_order_both_ways()
    {
        var atB = new ConcurrentQueue<int>();
        var atA = new ConcurrentQueue<int>();
        using var a = new ResumableLane(ResumableLaneOptions.Default, m => atA.Enqueue(BinaryPrimitives.ReadInt32BigEndian(m.Span)));
        using var b = new ResumableLane(ResumableLaneOptions.Default, m => atB.Enqueue(BinaryPrimitives.ReadInt32BigEndian(m.Span)));
        const int count = 3000;

        var sending = Task.Run(async () =>
        {
            for (var i = 1; i <= count; i++)
            {
                await a.SendAsync(Message(i, 700));
                await b.SendAsync(Message(-i, 300));
            }
        });

        // Five connections, each cut after a while with bytes in flight both ways.
        for (var round = 0; round < 5 && !(atB.Count == count && atA.Count == count); round++)
        {
            await using var link = await LinkAsync();
            var runA = a.RunAsync(link.Client, b.Delivered, CancellationToken.None);
            var runB = b.RunAsync(link.Server, a.Delivered, CancellationToken.None);
            await Task.Delay(round == 4 ? 3000 : 60);
            await link.DisposeAsync();
            await Task.WhenAll(runA, runB).WaitAsync(Bound);
        }

        await sending.WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(1, count), atB);
        Assert.Equal(Enumerable.Range(1, count).Select(i => -i), atA);
    }

    [Fact]
    public async Task Acknowledged_messages_are_freed_and_a_full_window_holds_the_sender_until_the_other_side_is_back()
    {
        var delivered = new ConcurrentQueue<int>();
        var options = new ResumableLaneOptions(WindowMessages: 4, WindowBytes: 1 << 20, MaxMessageSize: 1024);
        using var a = new ResumableLane(options, _ => { });
        using var b = new ResumableLane(options, m => delivered.Enqueue(BinaryPrimitives.ReadInt32BigEndian(m.Span)));

        for (var i = 1; i <= 4; i++)
        {
            await a.SendAsync(Message(i, 16));
        }

        var fifth = a.SendAsync(Message(5, 16)).AsTask();
        await Task.Delay(200);
        Assert.False(fifth.IsCompleted, "a fifth message went out past a window of four with nobody acknowledging");

        await using var link = await LinkAsync();
        var runA = a.RunAsync(link.Client, b.Delivered, CancellationToken.None);
        var runB = b.RunAsync(link.Server, a.Delivered, CancellationToken.None);
        await fifth.WaitAsync(Bound);
        await WaitUntilAsync(() => delivered.Count == 5 && a.Unacknowledged == 0);
        Assert.Equal([1, 2, 3, 4, 5], delivered);
        await link.DisposeAsync();
        await Task.WhenAll(runA, runB).WaitAsync(Bound);
    }

    [Fact]
    public async Task A_peer_claiming_more_than_was_sent_or_a_message_too_large_is_refused_with_the_reason()
    {
        var options = new ResumableLaneOptions(WindowMessages: 4, WindowBytes: 1 << 20, MaxMessageSize: 1024);
        using var a = new ResumableLane(options, _ => { });
        await using var link = await LinkAsync();

        Assert.Contains("claims 3 messages, 0 were sent", await a.RunAsync(link.Client, 3, CancellationToken.None).WaitAsync(Bound), StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.SendAsync(new byte[1025]));
    }

    private static byte[] Message(int value, int size)
    {
        var message = new byte[size];
        BinaryPrimitives.WriteInt32BigEndian(message, value);
        return message;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }

    private static async Task<LanePair> LinkAsync()
    {
        var (x, y) = DuplexStream.CreatePair();
        var client = new Multiplexer(x, new MultiplexerOptions(), initiator: true);
        var server = new Multiplexer(y, new MultiplexerOptions(), initiator: false);
        client.Start();
        server.Start();
        var lane = client.OpenLane();
        await lane.WriteAsync(new byte[] { 0 });
        var accepted = await server.AcceptLaneAsync().AsTask().WaitAsync(Bound);
        var first = new byte[1];
        await accepted.ReadAsync(first);
        return new LanePair(client, server, lane, accepted);
    }

    private sealed record LanePair(Multiplexer ClientMux, Multiplexer ServerMux, MuxLane Client, MuxLane Server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await ClientMux.DisposeAsync();
            await ServerMux.DisposeAsync();
        }
    }
}
