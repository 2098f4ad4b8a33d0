using System.Net.Sockets;
using System.Threading.Channels;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// The sending thread of one connection: it drains a single-reader channel of replies and sends each burst with one
/// blocking gather write (transfer data by reference, never cut into small copies). A slow peer blocks this thread
/// only, never an actor; what waits for it is bounded by the connection's credits.
/// </summary>
internal sealed class SocketSender
{
    /// <summary>A burst is sent once it holds this many buffers (Linux takes at most 1024 iovecs per call).</summary>
    private const int MaxSegmentsPerSend = 256;

    private readonly Socket _socket;
    private readonly Action<int> _sent;
    private readonly Action<Exception> _failed;
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly GatherWriter _burst = new();
    private readonly List<IDisposable> _buffers = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Signalled on every reply; no spinning before the thread sleeps (spinning takes CPU from the threads it waits for).
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 0);
    private readonly Thread _thread;

    /// <summary>Prepares the sender; <see cref="Start"/> starts its thread.</summary>
    /// <param name="socket">The connected socket (left in blocking mode).</param>
    /// <param name="sent">Called with the credits of each burst once it is on the wire.</param>
    /// <param name="failed">Called when the socket fails.</param>
    /// <param name="name">The thread's name.</param>
    public SocketSender(Socket socket, Action<int> sent, Action<Exception> failed, string name)
    {
        _socket = socket;
        _sent = sent;
        _failed = failed;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>Completes when the thread has ended: everything queued before <see cref="Complete"/> is sent, or the socket failed.</summary>
    public Task Stopped => _stopped.Task;

    private readonly record struct Outgoing(UsbIpMessage Message, int Credits, IDisposable? Release);

    /// <summary>Starts sending.</summary>
    public void Start() => _thread.Start();

    /// <summary>Queues a reply; its data buffer is released once it is sent (or at once if the sender has completed).</summary>
    /// <param name="message">The reply.</param>
    /// <param name="credits">Credits the reply gives back once it is on the wire.</param>
    /// <param name="release">Gives the reply's data buffer back.</param>
    public void Send(UsbIpMessage message, int credits, IDisposable? release)
    {
        if (!_outbox.Writer.TryWrite(new Outgoing(message, credits, release)))
        {
            release?.Dispose();
            return;
        }

        _wake.Set();
    }

    /// <summary>Takes no more replies; the thread sends what is queued and ends.</summary>
    public void Complete()
    {
        _outbox.Writer.TryComplete();
        _wake.Set();
    }

    private void Run()
    {
        var outbox = _outbox.Reader;
        try
        {
            while (WaitForReplies(outbox))
            {
                var credits = 0;
                while (_burst.SegmentCount < MaxSegmentsPerSend && outbox.TryRead(out var outgoing))
                {
                    UsbIpWriter.Write(outgoing.Message, _burst);
                    credits += outgoing.Credits;
                    if (outgoing.Release is { } release)
                    {
                        _buffers.Add(release);
                    }
                }

                SendBurst();
                _sent(credits);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _failed(e);
        }
        finally
        {
            ReleaseBuffers();
            while (outbox.TryRead(out var left))
            {
                left.Release?.Dispose();
            }

            _stopped.TrySetResult();
        }
    }

    /// <summary>Sleeps until a reply is queued; false once the channel is completed and empty.</summary>
    private bool WaitForReplies(ChannelReader<Outgoing> outbox)
    {
        while (!outbox.TryPeek(out _))
        {
            if (outbox.Completion.IsCompleted)
            {
                return false;
            }

            // Reset, then look again: a reply queued in between has set the event after the reset.
            _wake.Reset();
            if (!outbox.TryPeek(out _) && !outbox.Completion.IsCompleted)
            {
                _wake.Wait();
            }
        }

        return true;
    }

    private void SendBurst()
    {
        try
        {
            var segments = _burst.Segments;
            var remaining = _burst.Length;
            while (remaining > 0)
            {
                var sent = _socket.Send(segments, SocketFlags.None);
                remaining -= sent;
                if (remaining > 0)
                {
                    // A partial send (a signal, a socket buffer change): send what is left.
                    segments = PartialSends.Rest(segments, sent);
                }
            }
        }
        finally
        {
            _burst.Reset();
            ReleaseBuffers();
        }
    }

    private void ReleaseBuffers()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }

        _buffers.Clear();
    }
}
