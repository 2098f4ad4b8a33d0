using System.Net.Sockets;
using UsbMesh.Actors;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// The socket side of one <see cref="UsbipdConnection"/>: a receiving thread whose parse loop hands messages to the
/// actor (<see cref="SocketReceiver"/>), and a sending thread that writes the actor's replies in bursts
/// (<see cref="SocketSender"/>). Blocking socket I/O on two threads of its own, as the kernel's USB/IP server does:
/// each request and each reply costs one thread wake-up, which is what bounds the rate of a device whose host waits
/// for every reply before it sends the next request (a mass-storage device: command, data, status).
/// </summary>
/// <remarks>
/// <para><b>OP phase.</b> After each OP_REQ_* the parse loop waits for the actor's verdict (<see cref="Continue"/>)
/// before parsing further bytes: whether the connection enters the URB phase decides how they are framed, and which
/// endpoints are isochronous is only known once the device is imported.</para>
/// <para><b>Backpressure.</b> Every CMD_SUBMIT and CMD_UNLINK takes a credit before it is handed on; the actor gives it
/// back when the answer is on the wire (<see cref="Send"/>). Without credit the parse loop stops, the receiver stops
/// once a message more is buffered, and TCP pushes back on the client: memory per connection (commands at the
/// device plus replies not yet written) stays bounded by credits × the transfer buffer limit.</para>
/// <para><b>Close.</b> The sender gets <see cref="UsbipdSettings.CloseTimeout"/> to write what is queued (a device list,
/// an import refusal), then the socket is shut down and closed, which ends both threads.</para>
/// </remarks>
internal sealed class ConnectionIo
{
    private readonly Socket _socket;
    private readonly SocketReceiver _receiver;
    private readonly SocketSender _sender;
    private readonly UsbIpServerConnectionParser _parser;
    private readonly SemaphoreSlim _credits;
    private readonly CancellationTokenSource _cancel = new();
    private readonly TimeSpan _closeTimeout;
    private volatile IReadOnlySet<(UsbIpDirection Direction, uint Number)> _isochronous = new HashSet<(UsbIpDirection, uint)>();
    private IActorRef _owner = ActorRefs.Nobody;
    private TaskCompletionSource<bool>? _verdict;
    private Task _readLoop = Task.CompletedTask;
    private int _closed;

    /// <summary>Prepares the socket side of a connection; <see cref="Start"/> starts its threads.</summary>
    /// <param name="socket">The connected stream socket; owned from here on.</param>
    /// <param name="settings">Limits and timeouts.</param>
    /// <param name="urbPhaseIsochronous">
    /// Null to start in the OP phase (a usbipd client); otherwise the isochronous endpoints of a device imported
    /// before the first byte, to parse URB commands from the start (vhci_hcd, which never sends OP requests).
    /// </param>
    public ConnectionIo(Socket socket, UsbipdSettings settings, IReadOnlySet<(UsbIpDirection Direction, uint Number)>? urbPhaseIsochronous = null)
    {
        _socket = socket;
        if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        {
            // Only TCP has Nagle's algorithm; an AF_UNIX socket refuses the option.
            _socket.NoDelay = true;
        }

        var limits = settings.Limits;
        var largestMessage = (long)UsbIpConstants.UrbHeaderLength + limits.MaxTransferBufferLength
            + ((long)limits.MaxIsoPackets * UsbIpConstants.IsoPacketDescriptorLength);
        _receiver = new SocketReceiver(socket, pauseAt: largestMessage + (1 << 20), "usbipd rx");
        _sender = new SocketSender(socket, ReturnCredits, SendFailed, "usbipd tx");
        _parser = new UsbIpServerConnectionParser((_, direction, endpoint) => _isochronous.Contains((direction, endpoint)), limits);
        _credits = new SemaphoreSlim(settings.MaxPendingUrbs);
        _closeTimeout = settings.CloseTimeout;
        if (urbPhaseIsochronous is not null)
        {
            _isochronous = urbPhaseIsochronous;
            _parser.EnterUrbPhase();
        }
    }

    /// <summary>A complete message from the peer.</summary>
    public sealed record Received(UsbIpMessage Message);

    /// <summary>The peer sent something that is not USB/IP; the connection is to be closed.</summary>
    public sealed record ProtocolError(UsbIpProtocolException Error);

    /// <summary>The peer closed its side; <paramref name="PendingBytes"/> of an incomplete message were left.</summary>
    public sealed record PeerClosed(long PendingBytes);

    /// <summary>The socket failed (reset, …).</summary>
    public sealed record IoFailed(Exception Cause);

    public void Start(IActorRef owner)
    {
        _owner = owner;
        _readLoop = ReadLoopAsync(owner);
        _sender.Start();
        _receiver.Start();
    }

    /// <summary>
    /// Queues a reply for the writer. <paramref name="credits"/> URB commands are answered by it: their credits come
    /// back once the reply is flushed, so replies a client does not read also count against the limit.
    /// </summary>
    /// <param name="message">The reply.</param>
    /// <param name="credits">How many URB commands it answers (0 for OP replies).</param>
    /// <param name="release">Gives the reply's data buffer back once the bytes are out (or the connection is gone).</param>
    public void Send(UsbIpMessage message, int credits = 0, IDisposable? release = null) => _sender.Send(message, credits, release);

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

    /// <summary>
    /// In the URB phase, the isochronous endpoints from now on (after a SET_CONFIGURATION): commands the client sends
    /// after it has seen the reply are framed with them.
    /// </summary>
    public void UseIsochronousEndpoints(IReadOnlySet<(UsbIpDirection Direction, uint Number)> isochronous) => _isochronous = isochronous;

    /// <summary>Writes what is queued (bounded by the close timeout), then closes the socket. Idempotent.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        _sender.Complete();
        Volatile.Read(ref _verdict)?.TrySetResult(false);
        _ = CloseAsync();
    }

    private async Task CloseAsync()
    {
        await Task.WhenAny(_sender.Stopped, Task.Delay(_closeTimeout)).ConfigureAwait(false);
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
        await Task.WhenAll(_readLoop, _sender.Stopped).ConfigureAwait(false);
        await _receiver.Reader.CompleteAsync().ConfigureAwait(false);
        _cancel.Dispose();
    }

    private async Task ReadLoopAsync(IActorRef owner)
    {
        var token = _cancel.Token;
        try
        {
            while (true)
            {
                var result = await _receiver.Reader.ReadAsync(token).ConfigureAwait(false);
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
                    _receiver.Reader.AdvanceTo(buffer.Start);
                    if (!await verdict.Task.WaitAsync(token).ConfigureAwait(false))
                    {
                        return;
                    }

                    _parser.EnterUrbPhase();
                    continue;
                }

                _receiver.Reader.AdvanceTo(buffer.Start, buffer.End);
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

    private void SendFailed(Exception cause)
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            _owner.Tell(new IoFailed(cause), ActorRefs.NoSender);
        }
    }

    private void ReturnCredits(int credits)
    {
        if (credits > 0)
        {
            _credits.Release(credits);
        }
    }
}
