using System.Buffers;
using System.Buffers.Binary;
using UsbMesh.Mesh.Remote.Wire;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Resumable;

/// <summary>
/// One direction-pair of messages that outlives the lanes carrying it: every message is numbered, kept until the
/// other side acknowledges it, and sent again on the next lane when a lane breaks; the receiving side delivers each
/// number once, in order. So a message sent during a cut arrives after it, exactly once: a USB request is neither
/// lost nor carried out twice, a reply produced meanwhile is delivered once.
/// </summary>
/// <remarks>
/// <para><b>Frames.</b> <c>u32 length | u64 seq | u64 ack | payload</c>, big-endian, the length covering the rest.
/// <c>seq</c> numbers the message (0: an acknowledgement alone); <c>ack</c> is how many messages this side has
/// delivered, which frees the other side's copies. Acknowledgements ride on messages going the other way; when there
/// are none for <see cref="AckDelay"/>, one goes alone.</para>
/// <para><b>Resume.</b> The owner moves the lane to a new <see cref="ILane"/> with <see cref="RunAsync"/>, passing how
/// many messages the other side said it has delivered (exchanged in the owner's own handshake); everything after that
/// is written again, in order.</para>
/// <para><b>Bounds.</b> At most <see cref="ResumableLaneOptions.WindowMessages"/> messages and
/// <see cref="ResumableLaneOptions.WindowBytes"/> bytes wait for acknowledgement; <see cref="SendAsync"/> waits
/// beyond that, which pushes back on whoever produces them, connected or not.</para>
/// </remarks>
public sealed class ResumableLane : IDisposable
{
    private const int Header = 16;
    private static readonly TimeSpan AckDelay = TimeSpan.FromMilliseconds(5);

    private readonly ResumableLaneOptions _options;
    private readonly Action<ReadOnlyMemory<byte>> _deliver;
    private readonly Queue<(long Seq, byte[] Payload)> _unacked = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _window;
    private readonly CancellationTokenSource _closed = new();
    private TaskCompletionSource _work = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _unackedBytes;
    private long _sent;
    private long _nextToWrite = 1;
    private long _delivered;
    private long _ackWritten;

    /// <param name="options">Bounds.</param>
    /// <param name="deliver">Receives each message once, in order, on the reading thread; the memory stays valid.</param>
    public ResumableLane(ResumableLaneOptions options, Action<ReadOnlyMemory<byte>> deliver)
    {
        _options = options;
        _deliver = deliver;
        _window = new SemaphoreSlim(options.WindowMessages);
    }

    /// <summary>How many messages from the other side have been delivered here (told to it when resuming).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>How many messages this side has sent and the other has not yet acknowledged.</summary>
    public int Unacknowledged
    {
        get
        {
            lock (_gate)
            {
                return _unacked.Count;
            }
        }
    }

    /// <summary>Queues a message (the lane keeps the array); waits while the window is full.</summary>
    /// <exception cref="ArgumentException">The message is larger than <see cref="ResumableLaneOptions.MaxMessageSize"/>.</exception>
    public async ValueTask SendAsync(byte[] payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > _options.MaxMessageSize)
        {
            throw new ArgumentException($"A message of {payload.Length} bytes exceeds the limit of {_options.MaxMessageSize}", nameof(payload));
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        await _window.WaitAsync(linked.Token).ConfigureAwait(false);
        while (Interlocked.Read(ref _unackedBytes) + payload.Length > _options.WindowBytes && Unacknowledged > 0)
        {
            Task work;
            lock (_gate)
            {
                work = _work.Task;
            }

            await work.WaitAsync(linked.Token).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _unacked.Enqueue((++_sent, payload));
            _unackedBytes += payload.Length;
            Signal();
        }
    }

    /// <summary>
    /// Carries the messages over <paramref name="lane"/> until it fails or ends (or <paramref name="cancellationToken"/>
    /// fires), first writing again what the other side has not delivered.
    /// </summary>
    /// <param name="lane">The new lane, its handshake done.</param>
    /// <param name="peerDelivered">How many of this side's messages the other side has delivered.</param>
    /// <param name="cancellationToken">Ends the run (the owner gives up on this lane).</param>
    /// <returns>Why the lane stopped carrying messages.</returns>
    public async Task<string> RunAsync(ILane lane, long peerDelivered, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (peerDelivered > _sent)
            {
                return $"the other side claims {peerDelivered} messages, {_sent} were sent";
            }

            Acknowledge(peerDelivered);
            _nextToWrite = peerDelivered + 1;
            _ackWritten = -1;
        }

        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        var reading = ReadAsync(lane, run.Token);
        var writing = WriteAsync(lane, run.Token);
        var first = await Task.WhenAny(reading, writing).ConfigureAwait(false);
        await run.CancelAsync().ConfigureAwait(false);
        var reason = await first.ConfigureAwait(false);
        await Task.WhenAll(reading, writing).ConfigureAwait(false);
        return reason;
    }

    /// <summary>Stops for good: pending and later sends fail.</summary>
    public void Dispose()
    {
        _closed.Cancel();
        lock (_gate)
        {
            Signal();
        }
    }

    private async Task<string> ReadAsync(ILane lane, CancellationToken cancellationToken)
    {
        var reader = new LaneFrameReader(lane, Header + _options.MaxMessageSize);
        try
        {
            while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false) is { } body)
            {
                if (body.Length < Header)
                {
                    return $"a frame of {body.Length} bytes is shorter than its header";
                }

                var seq = BinaryPrimitives.ReadInt64BigEndian(body.Span);
                var ack = BinaryPrimitives.ReadInt64BigEndian(body.Span[8..]);
                lock (_gate)
                {
                    if (ack > _sent)
                    {
                        return $"the other side acknowledged message {ack}; {_sent} were sent";
                    }

                    Acknowledge(ack);
                }

                if (seq == 0)
                {
                    continue;
                }

                var expected = Interlocked.Read(ref _delivered) + 1;
                if (seq < expected)
                {
                    // Written again after a resume whose handshake raced the original: delivered already.
                    continue;
                }

                if (seq > expected)
                {
                    return $"message {seq} arrived where {expected} was due";
                }

                // Not zeroed first: the copy overwrites every byte, and a 64 KiB transfer's zeroing showed in profiles.
                var message = GC.AllocateUninitializedArray<byte>(body.Length - Header);
                body[Header..].CopyTo(message);
                _deliver(message);
                Interlocked.Exchange(ref _delivered, seq);
                lock (_gate)
                {
                    Signal();
                }
            }

            return "the other side closed the lane";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "stopped";
        }
        catch (Exception e)
        {
            return $"receiving failed: {e.Message}";
        }
    }

    private async Task<string> WriteAsync(ILane lane, CancellationToken cancellationToken)
    {
        var burst = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (true)
            {
                Task work;
                var pending = new List<(long Seq, byte[] Payload)>();
                long delivered;
                lock (_gate)
                {
                    work = _work.Task;
                    foreach (var message in _unacked)
                    {
                        if (message.Seq >= _nextToWrite)
                        {
                            pending.Add(message);
                        }
                    }

                    delivered = Interlocked.Read(ref _delivered);
                }

                if (pending.Count == 0 && delivered == _ackWritten)
                {
                    await work.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (pending.Count == 0)
                {
                    // Only an acknowledgement is due: give a reply a moment to carry it instead.
                    await Task.WhenAny(work, Task.Delay(AckDelay, cancellationToken)).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    lock (_gate)
                    {
                        if (_unacked.Any(m => m.Seq >= _nextToWrite))
                        {
                            continue;
                        }
                    }

                    WriteFrame(burst, 0, delivered, []);
                }

                foreach (var (seq, payload) in pending)
                {
                    WriteFrame(burst, seq, delivered, payload);
                    if (burst.WrittenCount >= 256 * 1024)
                    {
                        await FlushAsync(lane, burst, cancellationToken).ConfigureAwait(false);
                    }
                }

                await FlushAsync(lane, burst, cancellationToken).ConfigureAwait(false);
                _ackWritten = delivered;
                if (pending.Count > 0)
                {
                    lock (_gate)
                    {
                        _nextToWrite = Math.Max(_nextToWrite, pending[^1].Seq + 1);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "stopped";
        }
        catch (Exception e)
        {
            return $"sending failed: {e.Message}";
        }
    }

    private static void WriteFrame(ArrayBufferWriter<byte> burst, long seq, long ack, byte[] payload)
    {
        var span = burst.GetSpan(4 + Header + payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(Header + payload.Length));
        BinaryPrimitives.WriteInt64BigEndian(span[4..], seq);
        BinaryPrimitives.WriteInt64BigEndian(span[12..], ack);
        payload.CopyTo(span[20..]);
        burst.Advance(4 + Header + payload.Length);
    }

    private static async ValueTask FlushAsync(ILane lane, ArrayBufferWriter<byte> burst, CancellationToken cancellationToken)
    {
        if (burst.WrittenCount > 0)
        {
            await lane.WriteAsync(burst.WrittenMemory, cancellationToken).ConfigureAwait(false);
            burst.ResetWrittenCount();
        }
    }

    /// <summary>Frees the copies of messages up to <paramref name="ack"/> (under the gate).</summary>
    private void Acknowledge(long ack)
    {
        var freed = 0;
        while (_unacked.TryPeek(out var oldest) && oldest.Seq <= ack)
        {
            _unacked.Dequeue();
            _unackedBytes -= oldest.Payload.Length;
            freed++;
        }

        if (freed > 0)
        {
            _window.Release(freed);
            Signal();
        }
    }

    private void Signal()
    {
        _work.TrySetResult();
        _work = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
