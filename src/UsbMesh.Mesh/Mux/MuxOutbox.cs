using System.Buffers;

namespace UsbMesh.Mesh.Mux;

/// <summary>
/// The frames on their way to the transport and the one writer that sends them. Frames are copied once, into a batch
/// buffer; the writer takes the whole batch and sends it with one write and one flush, so TLS cuts it into full 16 KiB
/// records and only a batch's last record is short.
/// </summary>
/// <remarks>
/// Who writes: a lane's data write that finds the transport idle writes its batch on its own thread, as a plain
/// stream write would, instead of waking another thread for every burst (on a 2-CPU machine that hand-off cost more
/// than the copy). Frames queued while a write is in progress go out in the next batch. Control frames never write:
/// the read loop and the heartbeat queue them and wake <see cref="RunAsync"/>, because the read loop must never wait
/// for the transport (two peers whose readers both waited to write would stop each other). A data writer that finds
/// more queued after its own batch leaves the rest to <see cref="RunAsync"/> too, so other lanes' traffic never holds
/// its write up. Memory: what is queued is bounded by the lanes' credit plus a few control frames.
/// </remarks>
internal sealed class MuxOutbox(Stream transport, Action sent)
{
    /// <summary>The smallest batch buffer rented: room for a few frames before it has to grow.</summary>
    private const int MinimumBatch = 256 * 1024;

    /// <summary>The most plaintext one TLS record carries.</summary>
    private const int TlsRecord = 16 * 1024;

    /// <summary>Frames from this size on are written from the caller's memory when the transport is idle.</summary>
    private const int DirectMinimum = 2 * TlsRecord;

    private readonly object _gate = new();
    private readonly SemaphoreSlim _handedOver = new(0);
    private byte[]? _batch;
    private int _length;
    private bool _writing;
    private bool _closed;

    /// <summary>Queues a control frame for <see cref="RunAsync"/> to send.</summary>
    public void Post(MuxFrameHeader header, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (!Append(header, payload) || _writing)
            {
                return;
            }

            _writing = true;
        }

        _handedOver.Release();
    }

    /// <summary>Queues a data frame and, if no write is in progress, sends the batch on this thread.</summary>
    /// <returns>False if the outbox is closed (the connection failed) and the frame was dropped.</returns>
    /// <exception cref="IOException">The transport failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled.</exception>
    public async ValueTask<bool> SendAsync(MuxFrameHeader header, ReadOnlyMemory<byte> payload, CancellationToken stop)
    {
        bool direct;
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            // Alone on an idle transport, a large frame is written from the caller's memory, not copied into a batch.
            direct = !_writing && _length == 0 && payload.Length >= DirectMinimum;
            if (!direct && !Append(header, payload.Span))
            {
                return false;
            }

            if (_writing)
            {
                return true;
            }

            _writing = true;
        }

        await (direct ? WriteDirectAsync(header, payload, stop) : WriteBatchAsync(stop)).ConfigureAwait(false);
        lock (_gate)
        {
            if (_length == 0)
            {
                _writing = false;
                return true;
            }
        }

        _handedOver.Release();
        return true;
    }

    /// <summary>Sends what <see cref="Post"/> and busy data writers left, until <paramref name="stop"/>.</summary>
    /// <exception cref="IOException">The transport failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled.</exception>
    public async Task RunAsync(CancellationToken stop)
    {
        while (true)
        {
            await _handedOver.WaitAsync(stop).ConfigureAwait(false);
            do
            {
                await WriteBatchAsync(stop).ConfigureAwait(false);
            }
            while (!Idle());
        }
    }

    /// <summary>Drops what is queued and refuses more: the connection is over.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            if (_batch is not null)
            {
                ArrayPool<byte>.Shared.Return(_batch);
                (_batch, _length) = (null, 0);
            }
        }
    }

    /// <summary>
    /// Writes one frame without copying most of it: the header and the start of the payload go in a first write that
    /// fills one TLS record exactly, the rest straight from <paramref name="payload"/>. So the frame costs the records
    /// and system calls it would cost copied whole, and a quarter of the copy. The caller holds the writer's role.
    /// </summary>
    private async ValueTask WriteDirectAsync(MuxFrameHeader header, ReadOnlyMemory<byte> payload, CancellationToken stop)
    {
        var head = ArrayPool<byte>.Shared.Rent(TlsRecord);
        try
        {
            var first = Math.Min(payload.Length, TlsRecord - MuxFrameHeader.Size);
            header.WriteTo(head);
            payload.Span[..first].CopyTo(head.AsSpan(MuxFrameHeader.Size));
            await transport.WriteAsync(head.AsMemory(0, MuxFrameHeader.Size + first), stop).ConfigureAwait(false);
            await transport.WriteAsync(payload[first..], stop).ConfigureAwait(false);
            await transport.FlushAsync(stop).ConfigureAwait(false);
            sent();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>Writes the current batch; the caller holds the writer's role.</summary>
    private async ValueTask WriteBatchAsync(CancellationToken stop)
    {
        byte[]? batch;
        int length;
        lock (_gate)
        {
            (batch, length) = (_batch, _length);
            (_batch, _length) = (null, 0);
        }

        if (batch is null)
        {
            return;
        }

        try
        {
            if (length > 0)
            {
                await transport.WriteAsync(batch.AsMemory(0, length), stop).ConfigureAwait(false);
                await transport.FlushAsync(stop).ConfigureAwait(false);
                sent();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    /// <returns>True, giving up the writer's role, if nothing is queued.</returns>
    private bool Idle()
    {
        lock (_gate)
        {
            _writing = _length > 0;
            return !_writing;
        }
    }

    /// <returns>False if the outbox is closed.</returns>
    private bool Append(MuxFrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_closed)
        {
            return false;
        }

        var size = MuxFrameHeader.Size + payload.Length;
        if (_batch is null)
        {
            _batch = ArrayPool<byte>.Shared.Rent(Math.Max(size, MinimumBatch));
        }
        else if (_batch.Length - _length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + size, _batch.Length * 2));
            _batch.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_batch);
            _batch = larger;
        }

        var frame = _batch.AsSpan(_length, size);
        header.WriteTo(frame);
        payload.CopyTo(frame[MuxFrameHeader.Size..]);
        _length += size;
        return true;
    }
}
