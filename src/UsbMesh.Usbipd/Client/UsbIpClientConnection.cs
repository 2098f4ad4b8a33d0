using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using UsbMesh.Usb;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd.Client;

/// <summary>
/// The URB phase of one imported device, as the client: CMD_SUBMIT and CMD_UNLINK out, RET_SUBMIT and RET_UNLINK
/// in, any number of URBs in flight. Thread-safe: transfers may be submitted from several threads at once.
/// </summary>
/// <remarks>
/// <para><b>Unlink.</b> Cancelling a transfer's token sends CMD_UNLINK. A RET_UNLINK that finds its URB still waiting
/// for its RET_SUBMIT means the server will never send one (the kernel's stub sends the RET_UNLINK instead of the
/// RET_SUBMIT once it has started unlinking, whatever the URB's fate): the transfer completes as
/// <see cref="UrbStatus.Unlinked"/>. A RET_UNLINK after the RET_SUBMIT changes nothing.</para>
/// <para><b>End.</b> The server closing, a socket error, a reply that is not USB/IP (or names no pending URB, or
/// exceeds the caps) or <see cref="DisposeAsync"/> ends the connection once: every pending and later transfer
/// completes with <see cref="UrbStatus.DeviceGone"/>, and <see cref="Closed"/> completes with the reason.</para>
/// <para><b>Sending.</b> One writer task drains a single-reader channel and sends each burst with one gather write,
/// OUT data by reference.</para>
/// </remarks>
public sealed class UsbIpClientConnection : IAsyncDisposable
{
    /// <summary>A burst is sent once it holds this many buffers (Linux takes at most 1024 iovecs per call).</summary>
    private const int MaxSegmentsPerSend = 256;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly UsbIpLimits _limits;
    private readonly UsbIpUrbParser _parser;
    private readonly ConcurrentDictionary<uint, Pending> _submits = new();
    private readonly ConcurrentDictionary<uint, uint> _unlinks = new();
    private readonly Channel<UsbIpUrbMessage> _outbox = Channel.CreateUnbounded<UsbIpUrbMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _readLoop;
    private readonly Task _writeLoop;
    private int _seqnum;
    private int _ended;

    internal UsbIpClientConnection(Socket socket, NetworkStream stream, PipeReader reader, UsbIpDevice device, UsbIpLimits limits)
    {
        _socket = socket;
        _stream = stream;
        _reader = reader;
        _limits = limits;
        Device = device;
        DevId = (device.BusNum << 16) | (device.DevNum & 0xFFFF);
        _parser = UsbIpUrbParser.ForClient(Lookup, limits);
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The device record of the import reply.</summary>
    public UsbIpDevice Device { get; }

    /// <summary>The devid every URB command carries: (busnum &lt;&lt; 16) | devnum of the record.</summary>
    public uint DevId { get; }

    /// <summary>Completes, with the reason, when the connection has ended.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>Transfers waiting for their reply.</summary>
    public int PendingCount => _submits.Count;

    /// <summary>
    /// Sends <paramref name="request"/> as a CMD_SUBMIT and completes with its RET_SUBMIT. Cancelling
    /// <paramref name="unlink"/> sends CMD_UNLINK; the task then completes as <see cref="UrbStatus.Unlinked"/> if the
    /// unlink won, with the real result otherwise. Never faults: a transfer the connection cannot carry completes
    /// with <see cref="UrbStatus.DeviceGone"/> (connection ended) or <see cref="UrbStatus.Other"/> (beyond the caps).
    /// </summary>
    /// <param name="request">The transfer.</param>
    /// <param name="unlink">Cancelled to unlink it.</param>
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Volatile.Read(ref _ended) == 1)
        {
            return Task.FromResult(UrbResult.Failed(UrbStatus.DeviceGone));
        }

        // The server would refuse it and the reply could not be parsed: -EPROTO here, the connection stays.
        if (request.TransferLength > _limits.MaxTransferBufferLength || request.IsoPackets.Count > _limits.MaxIsoPackets)
        {
            return Task.FromResult(UrbResult.Failed(UrbStatus.Other));
        }

        var seqnum = NextSeqnum();
        var pending = new Pending(request);
        _submits[seqnum] = pending;
        if (!_outbox.Writer.TryWrite(UsbIpClientTranslation.CmdSubmit(seqnum, DevId, request)) || Volatile.Read(ref _ended) == 1)
        {
            // The connection ended meanwhile; whoever removes the entry first completes it.
            if (_submits.TryRemove(seqnum, out _))
            {
                pending.Complete(UrbResult.Failed(UrbStatus.DeviceGone));
            }

            return pending.Task;
        }

        if (unlink.CanBeCanceled)
        {
            pending.Watch(unlink.Register(static state =>
            {
                var (connection, seqnum) = ((UsbIpClientConnection, uint))state!;
                connection.Unlink(seqnum);
            }, (this, seqnum)));
        }

        return pending.Task;
    }

    /// <summary>Ends the connection: pending transfers complete as gone, the socket is closed.</summary>
    public async ValueTask DisposeAsync()
    {
        End("closed by this side");
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
    }

    private uint NextSeqnum()
    {
        // Seqnum 0 is never used: vhci starts at 1 and some servers treat 0 as "none".
        uint seqnum;
        do
        {
            seqnum = (uint)Interlocked.Increment(ref _seqnum);
        }
        while (seqnum == 0);
        return seqnum;
    }

    private void Unlink(uint target)
    {
        if (Volatile.Read(ref _ended) == 1 || !_submits.ContainsKey(target))
        {
            return;
        }

        var seqnum = NextSeqnum();
        _unlinks[seqnum] = target;
        _outbox.Writer.TryWrite(UsbIpClientTranslation.CmdUnlink(seqnum, DevId, target));
    }

    private bool Lookup(uint seqnum, out UsbIpSubmitInfo submit)
    {
        if (_submits.TryGetValue(seqnum, out var pending))
        {
            submit = UsbIpClientTranslation.SubmitInfo(pending.Request);
            return true;
        }

        submit = default;
        return false;
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    var outcome = _parser.TryParse(ref buffer, out var message, out var error);
                    if (outcome == UsbIpParseResult.Error)
                    {
                        _reader.AdvanceTo(buffer.Start);
                        End($"protocol error ({error!.Reason}): {error.Message}");
                        return;
                    }

                    if (outcome == UsbIpParseResult.NeedMoreData)
                    {
                        break;
                    }

                    Deliver(message!);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    End(buffer.IsEmpty ? "the server closed the connection" : $"the server closed the connection in the middle of a reply ({buffer.Length} bytes)");
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // After End the stream is disposed under the read on purpose; before it, this is the connection failing.
            End($"the connection failed: {e.Message}");
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Deliver(UsbIpUrbMessage message)
    {
        switch (message)
        {
            case UsbIpRetSubmit reply when _submits.TryRemove(reply.Seqnum, out var pending):
                pending.Complete(UsbIpClientTranslation.Result(reply, pending.Request));
                break;
            case UsbIpRetUnlink reply when _unlinks.TryRemove(reply.Seqnum, out var target):
                if (_submits.TryRemove(target, out var unlinked))
                {
                    unlinked.Complete(UrbResult.Failed(UrbStatus.Unlinked));
                }

                break;
        }
    }

    private async Task WriteLoopAsync()
    {
        var burst = new GatherWriter();
        var outbox = _outbox.Reader;
        try
        {
            while (await outbox.WaitToReadAsync().ConfigureAwait(false))
            {
                while (burst.SegmentCount < MaxSegmentsPerSend && outbox.TryRead(out var message))
                {
                    UsbIpWriter.Write(message, burst);
                }

                var segments = burst.Segments;
                var remaining = burst.Length;
                while (remaining > 0)
                {
                    var sent = await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
                    remaining -= sent;
                    if (remaining > 0)
                    {
                        segments = PartialSends.Rest(segments, sent);
                    }
                }

                burst.Reset();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            End($"sending failed: {e.Message}");
        }
        finally
        {
            burst.Reset();
        }
    }

    private void End(string reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer, or closed.
        }

        _stream.Dispose();
        foreach (var seqnum in _submits.Keys)
        {
            if (_submits.TryRemove(seqnum, out var pending))
            {
                pending.Complete(UrbResult.Failed(UrbStatus.DeviceGone));
            }
        }

        _unlinks.Clear();
        _closed.TrySetResult(reason);
    }

    /// <summary>A transfer in flight: its request (to frame and read its reply) and its completion.</summary>
    private sealed class Pending(UrbRequest request)
    {
        private readonly TaskCompletionSource<UrbResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _unlink;

        public UrbRequest Request { get; } = request;

        public Task<UrbResult> Task => _completion.Task;

        public void Watch(CancellationTokenRegistration unlink)
        {
            lock (_completion)
            {
                if (!_completion.Task.IsCompleted)
                {
                    _unlink = unlink;
                    return;
                }
            }

            // Completed before the registration was stored: nothing else will dispose it.
            unlink.Dispose();
        }

        public void Complete(UrbResult result)
        {
            CancellationTokenRegistration unlink;
            lock (_completion)
            {
                _completion.TrySetResult(result);
                unlink = _unlink;
                _unlink = default;
            }

            unlink.Dispose();
        }
    }
}
