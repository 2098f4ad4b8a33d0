using System.Buffers;

namespace UsbMesh.Mesh.Mux;

/// <summary>
/// One ordered byte stream of a <see cref="Multiplexer"/>. Credit-based flow control: a sender may have at most the
/// lane window unread at the receiver, which grants more as its reader consumes, so a slow reader holds back its own
/// lane and no other. One reader and one writer at a time.
/// </summary>
public sealed class MuxLane : Transport.ILane
{
    private readonly Multiplexer _owner;
    private readonly int _window;
    private readonly object _gate = new();
    private readonly Queue<ArraySegment<byte>> _inbound = new();
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _creditGranted;
    private int _buffered;
    private int _headOffset;
    private int _sendCredit;
    private int _consumedSinceGrant;
    private bool _remoteClosed;
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
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="MuxException">The connection failed.</exception>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
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

                _readable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _readable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="data"/>, in frames of at most the connection's maximum, as credit allows.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">Stops waiting for credit.</param>
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

            var payload = ArrayPool<byte>.Shared.Rent(chunk);
            data.Span[..chunk].CopyTo(payload);
            _owner.SendPooled(Id, new ArraySegment<byte>(payload, 0, chunk));
            data = data[chunk..];
        }
    }

    /// <summary>Tells the peer nothing more will be sent on this lane.</summary>
    public void Complete() => _owner.Send(MuxFrameType.Close, Id, []);

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

    /// <returns>False when the peer sent more than the credit it had: a protocol violation.</returns>
    internal bool OnData(ArraySegment<byte> payload)
    {
        lock (_gate)
        {
            if (_buffered + payload.Count > _window)
            {
                return false;
            }

            _inbound.Enqueue(payload);
            _buffered += payload.Count;
            _readable?.TrySetResult();
            return true;
        }
    }

    internal void OnCredit(int credit)
    {
        lock (_gate)
        {
            _sendCredit += credit;
            _creditGranted?.TrySetResult();
        }
    }

    internal void OnClose()
    {
        lock (_gate)
        {
            _remoteClosed = true;
            _readable?.TrySetResult();
        }
    }

    internal void Fail(Exception failure)
    {
        lock (_gate)
        {
            _failure ??= failure;
            _readable?.TrySetResult();
            _creditGranted?.TrySetResult();
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
        _consumedSinceGrant += copied;
        if (_consumedSinceGrant >= _window / 4)
        {
            _owner.SendCredit(Id, _consumedSinceGrant);
            _consumedSinceGrant = 0;
        }

        return copied;
    }
}
