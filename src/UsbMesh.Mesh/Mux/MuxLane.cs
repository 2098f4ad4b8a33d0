using System.Buffers;

namespace UsbMesh.Mesh.Mux;

/// <summary>
/// One ordered byte stream of a <see cref="Multiplexer"/>. Credit-based flow control: a sender may have at most the
/// lane window unread at the receiver, which grants more as its reader consumes, so a slow reader holds back its own
/// lane and no other. One reader and one writer at a time.
/// </summary>
/// <remarks>
/// A frame that arrives while the reader waits with an empty queue is read from the transport straight into the
/// reader's buffer (what does not fit is queued): the common case costs one copy, as on a plain stream, and the
/// bytes count as consumed at once. Only frames that find no reader waiting are held in pooled arrays.
/// </remarks>
public sealed class MuxLane : Transport.ILane
{
    private readonly Multiplexer _owner;
    private readonly int _window;
    private readonly object _gate = new();
    private readonly Queue<ArraySegment<byte>> _inbound = new();
    private PendingRead? _reader;
    private TaskCompletionSource? _creditGranted;
    private int _buffered;
    private int _headOffset;
    private int _sendCredit;
    private int _consumedSinceGrant;
    private bool _remoteClosed;
    private bool _localClosed;
    private Exception? _failure;

    internal MuxLane(Multiplexer owner, uint id, int window)
    {
        _owner = owner;
        Id = id;
        _window = window;
        _sendCredit = window;
    }

    /// <summary>The lane's number on its connection (odd: opened by the connecting side, even: by the accepting side).</summary>
    public uint Id { get; }

    /// <summary>Reads what has arrived (waiting for something); 0 once the peer closed the lane and all is read.</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="cancellationToken">
    /// Stops waiting, unless a frame is already being read into <paramref name="buffer"/>: that read finishes first.
    /// </param>
    /// <exception cref="MuxException">The connection failed.</exception>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            PendingRead reader;
            lock (_gate)
            {
                if (_inbound.Count > 0)
                {
                    return Take(buffer.Span);
                }

                if (_failure is not null)
                {
                    throw new MuxException($"lane {Id}: {_failure.Message}", _failure);
                }

                if (_remoteClosed)
                {
                    return 0;
                }

                _reader = reader = new PendingRead(buffer);
            }

            int filled;
            using (cancellationToken.UnsafeRegister(static (state, token) => ((MuxLane)state!).Cancel(token), this))
            {
                filled = await reader.Task.ConfigureAwait(false);
            }

            if (filled >= 0)
            {
                return filled;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/>, in frames of at most the connection's maximum, as credit allows. Completes once
    /// the last frame is written to the transport or queued behind a write in progress.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">
    /// Stops waiting for credit. A frame already being written is finished: half a frame would break the connection.
    /// </param>
    /// <exception cref="MuxException">The connection failed.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            Task? wait = null;
            int chunk;
            lock (_gate)
            {
                if (_failure is not null)
                {
                    throw new MuxException($"lane {Id}: {_failure.Message}", _failure);
                }

                chunk = Math.Min(Math.Min(data.Length, _sendCredit), _owner.Options.MaxFrameSize);
                if (chunk == 0)
                {
                    _creditGranted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _creditGranted.Task;
                }
                else
                {
                    _sendCredit -= chunk;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!await _owner.SendDataAsync(Id, data[..chunk]).ConfigureAwait(false))
            {
                // The connection failed while sending; the loop's check throws with its reason.
                Fail(new MuxException(await _owner.Completion.ConfigureAwait(false)));
                continue;
            }

            data = data[chunk..];
        }
    }

    /// <summary>Tells the peer nothing more will be sent on this lane (once; later calls do nothing).</summary>
    public void Complete()
    {
        bool bothClosed;
        lock (_gate)
        {
            if (_localClosed)
            {
                return;
            }

            _localClosed = true;
            bothClosed = _remoteClosed;
        }

        _owner.Send(MuxFrameType.Close, Id, []);
        if (bothClosed)
        {
            _owner.Forget(this);
        }
    }

    /// <summary>Bytes received and not yet read.</summary>
    internal int Buffered
    {
        get
        {
            lock (_gate)
            {
                return _buffered;
            }
        }
    }

    /// <summary>Reads a data frame's payload from <paramref name="transport"/>, into the waiting reader's buffer if it can.</summary>
    /// <returns>False when the peer sent more than the credit it had (a protocol violation); nothing is read then.</returns>
    internal async ValueTask<bool> ReceiveAsync(Stream transport, int length, CancellationToken stop)
    {
        PendingRead? reader = null;
        lock (_gate)
        {
            if (_buffered + length > _window)
            {
                return false;
            }

            // Claimed, the reader can no longer be cancelled: its buffer is being written.
            if (length > 0 && _inbound.Count == 0 && _reader is { Buffer.IsEmpty: false } waiting)
            {
                (reader, _reader) = (waiting, null);
            }
        }

        var direct = reader is null ? 0 : Math.Min(length, reader.Buffer.Length);
        var filled = -1;
        try
        {
            if (reader is not null)
            {
                await transport.ReadExactlyAsync(reader.Buffer[..direct], stop).ConfigureAwait(false);
                filled = direct;
            }

            if (length > direct)
            {
                await QueueAsync(transport, length - direct, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            if (reader is not null)
            {
                if (filled > 0)
                {
                    lock (_gate)
                    {
                        Consumed(filled);
                    }
                }

                // -1 (nothing read: the transport failed) sends the reader round its loop, to the failure.
                reader.TrySetResult(filled);
            }
        }

        return true;
    }

    /// <returns>False if the grant is negative or would overflow the credit (a protocol violation).</returns>
    internal bool OnCredit(int credit)
    {
        lock (_gate)
        {
            if (credit < 0 || _sendCredit > int.MaxValue - credit)
            {
                return false;
            }

            _sendCredit += credit;
            _creditGranted?.TrySetResult();
            return true;
        }
    }

    internal void OnClose()
    {
        bool bothClosed;
        lock (_gate)
        {
            _remoteClosed = true;
            bothClosed = _localClosed;
            WakeReader();
        }

        if (bothClosed)
        {
            _owner.Forget(this);
        }
    }

    internal void Fail(Exception failure)
    {
        lock (_gate)
        {
            _failure ??= failure;
            WakeReader();
            _creditGranted?.TrySetResult();
        }
    }

    private async ValueTask QueueAsync(Stream transport, int length, CancellationToken stop)
    {
        var payload = new ArraySegment<byte>(ArrayPool<byte>.Shared.Rent(length), 0, length);
        try
        {
            await transport.ReadExactlyAsync(payload, stop).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(payload.Array!);
            throw;
        }

        lock (_gate)
        {
            _inbound.Enqueue(payload);
            _buffered += length;
            WakeReader();
        }
    }

    /// <summary>Sends a waiting (unclaimed) reader round its loop to see what changed. Under the lock.</summary>
    private void WakeReader()
    {
        _reader?.TrySetResult(-1);
        _reader = null;
    }

    private void Cancel(CancellationToken token)
    {
        lock (_gate)
        {
            if (_reader is { } reader)
            {
                _reader = null;
                reader.TrySetCanceled(token);
            }
        }
    }

    private int Take(Span<byte> destination)
    {
        var copied = 0;
        while (copied < destination.Length && _inbound.TryPeek(out var segment))
        {
            var n = Math.Min(segment.Count - _headOffset, destination.Length - copied);
            segment.AsSpan(_headOffset, n).CopyTo(destination[copied..]);
            copied += n;
            _headOffset += n;
            if (_headOffset == segment.Count)
            {
                _inbound.Dequeue();
                _headOffset = 0;
                ArrayPool<byte>.Shared.Return(segment.Array!);
            }
        }

        _buffered -= copied;
        Consumed(copied);
        return copied;
    }

    /// <summary>Grants the sender credit for what the reader took, a quarter window at a time. Under the lock.</summary>
    private void Consumed(int count)
    {
        _consumedSinceGrant += count;
        if (_consumedSinceGrant >= _window / 4)
        {
            _owner.SendCredit(Id, _consumedSinceGrant);
            _consumedSinceGrant = 0;
        }
    }

    /// <summary>A reader waiting for bytes: the result is how many were read into its buffer, or -1 to look again.</summary>
    private sealed class PendingRead(Memory<byte> buffer) : TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public Memory<byte> Buffer { get; } = buffer;
    }
}
