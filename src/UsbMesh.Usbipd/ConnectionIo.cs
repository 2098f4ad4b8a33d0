using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using UsbMesh.Actors;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// The socket side of one <see cref="UsbipdConnection"/>: a read loop that parses and hands messages to the actor,
/// and one writer task that drains a single-reader channel of replies and sends each burst with one gather write
/// (transfer data by reference, never cut into small copies).
/// </summary>
/// <remarks>
/// <para><b>OP phase.</b> After each OP_REQ_* the read loop waits for the actor's verdict (<see cref="Continue"/>)
/// before parsing further bytes: whether the connection enters the URB phase decides how they are framed, and which
/// endpoints are isochronous is only known once the device is imported.</para>
/// <para><b>Backpressure.</b> Every CMD_SUBMIT and CMD_UNLINK takes a credit before it is handed on; the actor gives it
/// back when the answer has been flushed to the socket (<see cref="Send"/>). Without credit the loop stops reading, so
/// TCP pushes back on the client, and memory per connection (commands at the device plus replies not yet written)
/// stays bounded by credits × the transfer buffer limit.</para>
/// <para><b>Close.</b> The channel is completed, the writer gets <see cref="UsbipdSettings.CloseTimeout"/> to write what
/// is queued (a device list, an import refusal), then both loops are cancelled and the socket is closed.</para>
/// </remarks>
internal sealed class ConnectionIo
{
    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly GatherWriter _burst = new();
    private readonly List<IDisposable> _sentBuffers = [];
    private readonly UsbIpServerConnectionParser _parser;
    // The writer wakes on the thread that queues a reply (the connection actor's): one thread hand-off less per URB.
    // It only sends there; a send that cannot complete at once continues on the socket's own completion.
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly SemaphoreSlim _credits;
    private readonly CancellationTokenSource _cancel = new();
    private readonly TimeSpan _closeTimeout;
    private volatile IReadOnlySet<(UsbIpDirection Direction, uint Number)> _isochronous = new HashSet<(UsbIpDirection, uint)>();
    private TaskCompletionSource<bool>? _verdict;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private int _closed;

    private const int ReadBufferSize = 64 * 1024;

    /// <summary>A burst is sent once it holds this many buffers (Linux takes at most 1024 iovecs per call).</summary>
    private const int MaxSegmentsPerSend = 256;

    public ConnectionIo(Socket socket, UsbipdSettings settings)
    {
        _socket = socket;
        _socket.NoDelay = true;
        var stream = new NetworkStream(socket, ownsSocket: false);
        // Large reads: a bulk OUT URB arrives in a few system calls instead of hundreds of 4 KiB ones.
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: ReadBufferSize / 4, leaveOpen: true));
        _parser = new UsbIpServerConnectionParser((_, direction, endpoint) => _isochronous.Contains((direction, endpoint)), settings.Limits);
        _credits = new SemaphoreSlim(settings.MaxPendingUrbs);
        _closeTimeout = settings.CloseTimeout;
    }

    /// <summary>A complete message from the peer.</summary>
    public sealed record Received(UsbIpMessage Message);

    /// <summary>The peer sent something that is not USB/IP; the connection is to be closed.</summary>
    public sealed record ProtocolError(UsbIpProtocolException Error);

    /// <summary>The peer closed its side; <paramref name="PendingBytes"/> of an incomplete message were left.</summary>
    public sealed record PeerClosed(long PendingBytes);

    /// <summary>The socket failed (reset, …).</summary>
    public sealed record IoFailed(Exception Cause);

    private readonly record struct Outgoing(UsbIpMessage Message, int Credits, IDisposable? Release);

    public void Start(IActorRef owner)
    {
        _readLoop = Task.Run(() => ReadLoopAsync(owner));
        _writeLoop = Task.Run(() => WriteLoopAsync(owner));
    }

    /// <summary>
    /// Queues a reply for the writer. <paramref name="credits"/> URB commands are answered by it: their credits come
    /// back once the reply is flushed, so replies a client does not read also count against the limit.
    /// </summary>
    /// <param name="message">The reply.</param>
    /// <param name="credits">How many URB commands it answers (0 for OP replies).</param>
    /// <param name="release">Gives the reply's data buffer back once the bytes are out (or the connection is gone).</param>
    public void Send(UsbIpMessage message, int credits = 0, IDisposable? release = null)
    {
        if (!_outbox.Writer.TryWrite(new Outgoing(message, credits, release)))
        {
            release?.Dispose();
        }
    }

    /// <summary>
    /// The verdict on the last OP request: enter the URB phase with these isochronous endpoints, or (null) read no
    /// further (the connection is closing).
    /// </summary>
    public void Continue(IReadOnlySet<(UsbIpDirection Direction, uint Number)>? urbPhaseIsochronous)
    {
        if (urbPhaseIsochronous is not null)
        {
            _isochronous = urbPhaseIsochronous;
        }

        Volatile.Read(ref _verdict)?.TrySetResult(urbPhaseIsochronous is not null);
    }

    /// <summary>Writes what is queued (bounded by the close timeout), then closes the socket. Idempotent.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        Volatile.Read(ref _verdict)?.TrySetResult(false);
        _ = CloseAsync();
    }

    private async Task CloseAsync()
    {
        await Task.WhenAny(_writeLoop, Task.Delay(_closeTimeout)).ConfigureAwait(false);
        _cancel.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        _cancel.Dispose();
    }

    private async Task ReadLoopAsync(IActorRef owner)
    {
        var token = _cancel.Token;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                TaskCompletionSource<bool>? verdict = null;
                while (true)
                {
                    var outcome = _parser.TryParse(ref buffer, out var message, out var error);
                    if (outcome == UsbIpParseResult.Error)
                    {
                        owner.Tell(new ProtocolError(error!), ActorRefs.NoSender);
                        return;
                    }

                    if (outcome == UsbIpParseResult.NeedMoreData)
                    {
                        break;
                    }

                    if (message is UsbIpOpMessage)
                    {
                        verdict = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        Volatile.Write(ref _verdict, verdict);
                        if (Volatile.Read(ref _closed) == 1)
                        {
                            return;
                        }

                        owner.Tell(new Received(message), ActorRefs.NoSender);
                        break;
                    }

                    // Holding the read buffer while waiting is the point: nothing more is read until a reply is out.
                    await _credits.WaitAsync(token).ConfigureAwait(false);
                    owner.Tell(new Received(message!), ActorRefs.NoSender);
                }

                if (verdict is not null)
                {
                    _reader.AdvanceTo(buffer.Start);
                    if (!await verdict.Task.WaitAsync(token).ConfigureAwait(false))
                    {
                        return;
                    }

                    _parser.EnterUrbPhase();
                    continue;
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    owner.Tell(new PeerClosed(buffer.Length), ActorRefs.NoSender);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (Volatile.Read(ref _closed) == 0)
        {
            owner.Tell(new IoFailed(e), ActorRefs.NoSender);
        }
        catch (Exception)
        {
            // The socket was closed under the loop on purpose.
        }
    }

    private async Task SendBurstAsync(CancellationToken token)
    {
        try
        {
            var segments = _burst.Segments;
            var remaining = _burst.Length;
            while (remaining > 0)
            {
                var sent = await _socket.SendAsync(segments, SocketFlags.None).WaitAsync(token).ConfigureAwait(false);
                remaining -= sent;
                if (remaining > 0)
                {
                    // A partial send (rare on a stream socket): send what is left.
                    segments = Rest(segments, sent);
                }
            }
        }
        finally
        {
            _burst.Reset();
            foreach (var buffer in _sentBuffers)
            {
                buffer.Dispose();
            }

            _sentBuffers.Clear();
        }
    }

    private static List<ArraySegment<byte>> Rest(IList<ArraySegment<byte>> segments, long sent)
    {
        var rest = new List<ArraySegment<byte>>(segments.Count);
        foreach (var segment in segments)
        {
            if (sent >= segment.Count)
            {
                sent -= segment.Count;
                continue;
            }

            rest.Add(segment.Slice((int)sent));
            sent = 0;
        }

        return rest;
    }

    private async Task WriteLoopAsync(IActorRef owner)
    {
        var outbox = _outbox.Reader;
        var token = _cancel.Token;
        try
        {
            while (await outbox.WaitToReadAsync(token).ConfigureAwait(false))
            {
                var credits = 0;
                while (outbox.TryRead(out var outgoing))
                {
                    UsbIpWriter.Write(outgoing.Message, _burst);
                    credits += outgoing.Credits;
                    if (outgoing.Release is { } release)
                    {
                        _sentBuffers.Add(release);
                    }

                    if (_burst.SegmentCount >= MaxSegmentsPerSend)
                    {
                        break;
                    }
                }

                await SendBurstAsync(token).ConfigureAwait(false);
                if (credits > 0)
                {
                    _credits.Release(credits);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (Volatile.Read(ref _closed) == 0)
        {
            owner.Tell(new IoFailed(e), ActorRefs.NoSender);
        }
        catch (Exception)
        {
            // Closing: the peer may be gone already.
        }
    }
}
