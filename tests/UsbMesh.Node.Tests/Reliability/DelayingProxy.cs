using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Threading.Channels;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// A TCP proxy that adds latency, for a kernel without netem: it listens inside a network namespace and passes each
/// chunk it reads on to its target after a fixed delay, in order, each direction on its own. What it holds is bounded
/// (<see cref="ChunksHeld"/> chunks of at most <see cref="ChunkBytes"/> per direction): when that is full it stops
/// reading, so the sender's TCP window closes and the sender waits, as behind a slow link (backpressure, no
/// unbounded buffer). A connection that fails on one side is closed on the other; a clean end is passed on after the
/// data before it.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DelayingProxy : NamespaceTcpRelay
{
    /// <summary>The most one read takes from a socket.</summary>
    public const int ChunkBytes = 16 * 1024;

    /// <summary>Chunks held per direction: 1 MiB at most, 20 MB/s at a 50 ms delay, far above what the specs need.</summary>
    public const int ChunksHeld = 64;

    private readonly TimeSpan _delay;
    private long _forwarded;

    private DelayingProxy(string ns, IPEndPoint listen, IPEndPoint target, TimeSpan delay)
        : base(Listening(ns, listen), ns, target)
    {
        _delay = delay;
        StartAccepting();
    }

    /// <summary>Bytes passed on so far, both directions together.</summary>
    public long ForwardedBytes => Interlocked.Read(ref _forwarded);

    /// <summary>Listens on <paramref name="listen"/> inside <paramref name="ns"/> and forwards to <paramref name="target"/> (reached from there).</summary>
    public static DelayingProxy Start(string ns, IPEndPoint listen, IPEndPoint target, TimeSpan delay) => new(ns, listen, target, delay);

    /// <inheritdoc/>
    protected override async Task PumpAsync(Socket client, Socket server)
    {
        // Either direction failing ends both (a reader waiting for room in a full direction included).
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(Stop.Token);
        await Task.WhenAll(PumpAsync(client, server, broken), PumpAsync(server, client, broken));
    }

    private static Socket Listening(string ns, IPEndPoint listen)
    {
        var listener = NamespaceSockets.Create(ns);
        listener.Bind(listen);
        listener.Listen();
        return listener;
    }

    /// <summary>One direction: a reader that stamps each chunk with the time it is due, and a writer that waits for it.</summary>
    private async Task PumpAsync(Socket from, Socket to, CancellationTokenSource broken)
    {
        var held = Channel.CreateBounded<(byte[] Data, int Length, long Due)>(
            new BoundedChannelOptions(ChunksHeld) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        try
        {
            await Task.WhenAll(ReadAsync(from, held.Writer, broken.Token), WriteAsync(held.Reader, to, broken.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or ChannelClosedException)
        {
            // A failure on either side ends the whole connection, as a broken path would.
            await broken.CancelAsync();
            from.Dispose();
            to.Dispose();
        }
    }

    private async Task ReadAsync(Socket from, ChannelWriter<(byte[] Data, int Length, long Due)> held, CancellationToken broken)
    {
        try
        {
            while (true)
            {
                var buffer = new byte[ChunkBytes];
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, broken);
                if (read == 0)
                {
                    return;
                }

                // Waits while the direction holds ChunksHeld chunks: the backpressure.
                await held.WriteAsync((buffer, read, Stopwatch.GetTimestamp() + (long)(_delay.TotalSeconds * Stopwatch.Frequency)), broken);
            }
        }
        finally
        {
            held.TryComplete();
        }
    }

    private async Task WriteAsync(ChannelReader<(byte[] Data, int Length, long Due)> held, Socket to, CancellationToken broken)
    {
        await foreach (var (data, length, due) in held.ReadAllAsync(broken))
        {
            // Timers count whole milliseconds and can fire up to one early: wait again for what is left, rounded up,
            // so that no chunk ever leaves before it is due (a round trip under two delays fails the spec).
            while (Stopwatch.GetTimestamp() < due)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), broken);
            }

            await to.SendAsync(data.AsMemory(0, length), SocketFlags.None, broken);
            Interlocked.Add(ref _forwarded, length);
        }

        to.Shutdown(SocketShutdown.Send);
    }
}
