using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace UsbMesh.Mesh.Mux;

/// <summary>
/// Many ordered byte streams (<see cref="MuxLane"/>) over one transport stream (TLS over TCP): a USB device's
/// control and interrupt traffic on lanes of their own, so a bulk flood on another lane never delays a keystroke.
/// </summary>
/// <remarks>
/// <para><b>Frames</b> (<see cref="MuxFrameHeader"/>): data, credit, close, ping, pong. A frame longer than
/// <see cref="MultiplexerOptions.MaxFrameSize"/> fails the connection before its payload is read or allocated.</para>
/// <para><b>Flow control</b>: per lane, credit-based (see <see cref="MuxLane"/>); a peer that sends beyond its credit
/// fails the connection, so what one connection buffers is bounded by lanes × window.</para>
/// <para><b>Liveness</b>: a side that has sent nothing for the heartbeat interval sends a ping; a side that has
/// received nothing (pings and pongs included) for the idle timeout fails the connection. A busy side pings too, once
/// per heartbeat interval with no ping unanswered, to measure the round trip (<see cref="MuxMetrics"/>).</para>
/// <para><b>Writing</b>: one writer at a time sends whole batches of frames, one write and flush per batch
/// (see <see cref="MuxOutbox"/>).</para>
/// </remarks>
public sealed class Multiplexer : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly MuxOutbox _outbox;
    private readonly bool _initiator;
    private readonly string? _peer;
    private readonly Channel<MuxLane> _accepted = Channel.CreateUnbounded<MuxLane>();
    private readonly ConcurrentDictionary<uint, MuxLane> _lanes = new();
    private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private long _lastSent = Stopwatch.GetTimestamp();
    private long _lastReceived = Stopwatch.GetTimestamp();
    private long _pingSent;
    private long _lastProbe = Stopwatch.GetTimestamp();
    private int _nextLane;
    private int _peerLanes;

    /// <summary>Wraps <paramref name="transport"/>; <see cref="Start"/> begins reading and writing.</summary>
    /// <param name="transport">The connected stream; owned from now on.</param>
    /// <param name="options">Limits and timing.</param>
    /// <param name="initiator">Whether this side connected (its lanes are odd) or accepted (even).</param>
    /// <param name="peer">Who is at the other end, as round trips are labelled.</param>
    public Multiplexer(Stream transport, MultiplexerOptions options, bool initiator, string? peer = null)
    {
        _peer = peer;
        _transport = transport;
        _outbox = new MuxOutbox(transport, () => Volatile.Write(ref _lastSent, Stopwatch.GetTimestamp()));
        Options = options;
        _initiator = initiator;
        _nextLane = initiator ? -1 : 0;
    }

    /// <summary>The limits and timing in force.</summary>
    public MultiplexerOptions Options { get; }

    /// <summary>Completes with the reason when the connection ends (closed, failed, idle).</summary>
    public Task<string> Completion => _completion.Task;

    /// <summary>Starts the reader, the writer and the heartbeat.</summary>
    public void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
        _ = Task.Run(HeartbeatAsync);
    }

    /// <summary>Opens a lane. An empty data frame announces it at once, so the peer accepts lanes in the order they
    /// were opened (its first is the remoting control lane, whether or not anything was written on it yet).</summary>
    public MuxLane OpenLane()
    {
        var id = (uint)Interlocked.Add(ref _nextLane, 2);
        var lane = new MuxLane(this, id, Options.LaneWindow);
        _lanes[id] = lane;
        Send(MuxFrameType.Data, id, []);
        return lane;
    }

    /// <summary>The next lane the peer opened.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ValueTask<MuxLane> AcceptLaneAsync(CancellationToken cancellationToken = default) => _accepted.Reader.ReadAsync(cancellationToken);

    /// <summary>Ends the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        Fail("closed by this side");
        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Queues a control frame; the writer loop sends it.</summary>
    internal void Send(MuxFrameType type, uint lane, ReadOnlySpan<byte> payload) =>
        _outbox.Post(new MuxFrameHeader(type, lane, payload.Length), payload);

    /// <summary>Sends a data frame, on this thread if no other write is in progress.</summary>
    /// <returns>False if the connection has failed (<see cref="Completion"/> has the reason).</returns>
    internal async ValueTask<bool> SendDataAsync(uint lane, ReadOnlyMemory<byte> payload)
    {
        try
        {
            return await _outbox.SendAsync(new MuxFrameHeader(MuxFrameType.Data, lane, payload.Length), payload, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            Fail($"the transport failed: {e.Message}");
            return false;
        }
    }

    internal void SendCredit(uint lane, int credit)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, credit);
        Send(MuxFrameType.Credit, lane, payload);
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[MuxFrameHeader.Size];
        try
        {
            while (true)
            {
                await _transport.ReadExactlyAsync(header, _stop.Token).ConfigureAwait(false);
                var frame = MuxFrameHeader.Read(header);
                if (frame.Length < 0 || frame.Length > Options.MaxFrameSize)
                {
                    Fail($"the peer sent a frame of {frame.Length} bytes; the most allowed is {Options.MaxFrameSize}");
                    return;
                }

                var violation = frame.Type == MuxFrameType.Data
                    ? await ReceiveDataAsync(frame).ConfigureAwait(false)
                    : await ReceiveControlAsync(frame).ConfigureAwait(false);
                Volatile.Write(ref _lastReceived, Stopwatch.GetTimestamp());
                if (violation is not null)
                {
                    Fail(violation);
                    return;
                }
            }
        }
        catch (EndOfStreamException)
        {
            Fail("the peer closed the connection");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            Fail($"the transport failed: {e.Message}");
        }
    }

    /// <summary>Hands a data frame's payload to its lane, which reads it from the transport.</summary>
    /// <returns>Why the frame breaks the protocol, or null.</returns>
    private async ValueTask<string?> ReceiveDataAsync(MuxFrameHeader frame)
    {
        string? refusal = null;
        var lane = LaneOf(frame.Lane) ?? OpenedByPeer(frame.Lane, out refusal);
        if (lane is null)
        {
            return refusal;
        }

        return await lane.ReceiveAsync(_transport, frame.Length, _stop.Token).ConfigureAwait(false)
            ? null
            : $"the peer sent more than its credit on lane {frame.Lane}";
    }

    /// <returns>Why the frame breaks the protocol, or null.</returns>
    private async ValueTask<string?> ReceiveControlAsync(MuxFrameHeader frame)
    {
        // A few bytes, read and dropped here: a plain array.
        var payload = frame.Length == 0 ? [] : new byte[frame.Length];
        await _transport.ReadExactlyAsync(payload, _stop.Token).ConfigureAwait(false);
        return Dispatch(frame, payload);
    }

    /// <returns>Why the control frame breaks the protocol, or null.</returns>
    private string? Dispatch(MuxFrameHeader frame, byte[] payload)
    {
        switch (frame.Type)
        {
            case MuxFrameType.Ping:
                Send(MuxFrameType.Pong, 0, []);
                return null;
            case MuxFrameType.Pong:
                // Pongs come back in order: the first one after a timed ping answers it.
                if (Interlocked.Exchange(ref _pingSent, 0) is var sent and not 0)
                {
                    MuxMetrics.Measured(_peer, Stopwatch.GetElapsedTime(sent));
                }

                return null;
            case MuxFrameType.Credit when payload.Length == 4:
                // A negative grant, or one that overflows what the lane may send, would make the lane's writer cut
                // a chunk of negative length (an ArgumentOutOfRangeException to whoever writes on it).
                return LaneOf(frame.Lane)?.OnCredit(BinaryPrimitives.ReadInt32BigEndian(payload)) == false
                    ? $"the peer granted an impossible credit on lane {frame.Lane}"
                    : null;
            case MuxFrameType.Close:
                LaneOf(frame.Lane)?.OnClose();
                return null;
            default:
                return $"the peer sent a frame of unknown type {(byte)frame.Type}";
        }
    }

    private MuxLane? LaneOf(uint id) => _lanes.GetValueOrDefault(id);

    /// <summary>A lane closed both ways is no longer routed to (what it buffered stays readable), and a lane the peer
    /// opened no longer counts against <see cref="MultiplexerOptions.MaxLanes"/>: a long-lived connection carries any
    /// number of lanes over its life, not more than the maximum at once.</summary>
    internal void Forget(MuxLane lane)
    {
        if (_lanes.TryRemove(lane.Id, out _) && lane.Id % 2 == (_initiator ? 0u : 1u))
        {
            Interlocked.Decrement(ref _peerLanes);
        }
    }

    private MuxLane? OpenedByPeer(uint id, out string? refusal)
    {
        refusal = null;
        var peersParity = _initiator ? 0u : 1u;
        if (id == 0 || id % 2 != peersParity)
        {
            refusal = $"the peer sent data on lane {id}, which it did not open";
            return null;
        }

        if (Interlocked.Increment(ref _peerLanes) > Options.MaxLanes)
        {
            refusal = $"the peer opened more than {Options.MaxLanes} lanes";
            return null;
        }

        var lane = new MuxLane(this, id, Options.LaneWindow);
        _lanes[id] = lane;
        _accepted.Writer.TryWrite(lane);
        return lane;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await _outbox.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            Fail($"the transport failed: {e.Message}");
        }
    }

    private async Task HeartbeatAsync()
    {
        using var timer = new PeriodicTimer(Options.HeartbeatInterval / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastReceived)) >= Options.IdleTimeout)
                {
                    Fail($"nothing received for {Options.IdleTimeout.TotalSeconds:0.#} s");
                    return;
                }

                var idle = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastSent)) >= Options.HeartbeatInterval;
                var probe = Volatile.Read(ref _pingSent) == 0 && Stopwatch.GetElapsedTime(_lastProbe) >= Options.HeartbeatInterval;
                if (idle || probe)
                {
                    if (Interlocked.CompareExchange(ref _pingSent, Stopwatch.GetTimestamp(), 0) == 0)
                    {
                        _lastProbe = Stopwatch.GetTimestamp();
                    }

                    Send(MuxFrameType.Ping, 0, []);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Fail(string reason)
    {
        if (!_completion.TrySetResult(reason))
        {
            return;
        }

        _stop.Cancel();
        _outbox.Close();
        _accepted.Writer.TryComplete();
        var failure = new MuxException(reason);
        foreach (var lane in _lanes.Values)
        {
            lane.Fail(failure);
        }

        _transport.Dispose();
    }
}
