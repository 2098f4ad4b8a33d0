using System.IO.Pipelines;
using System.Net.Sockets;

namespace UsbMesh.Usbipd;

/// <summary>
/// The receiving thread of one connection: blocking reads from the socket into a pipe, whose reader (the parse loop)
/// runs on this same thread as soon as bytes arrive. One wake-up per arriving request, where asynchronous sockets
/// take two (the event thread, then a pool thread) — the kernel's own USB/IP server has a receiving thread per
/// device for the same reason.
/// </summary>
/// <remarks>
/// The pipe holds at most <c>pauseAt</c> unparsed bytes (more than the largest message the limits allow); beyond that
/// the thread stops reading and TCP pushes back on the peer. The peer's close completes the pipe; a socket error
/// completes it with the error. Closing the socket ends the thread.
/// </remarks>
internal sealed class SocketReceiver
{
    private const int ReadSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly Pipe _pipe;
    private readonly Thread _thread;

    /// <summary>Prepares the receiver; <see cref="Start"/> starts its thread.</summary>
    /// <param name="socket">The connected socket (left in blocking mode: nothing else may use it asynchronously).</param>
    /// <param name="pauseAt">Unparsed bytes at which reading pauses.</param>
    /// <param name="name">The thread's name.</param>
    public SocketReceiver(Socket socket, long pauseAt, string name)
    {
        _socket = socket;
        _pipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: pauseAt,
            resumeWriterThreshold: pauseAt / 2,
            minimumSegmentSize: ReadSize,
            useSynchronizationContext: false));
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>The received bytes.</summary>
    public PipeReader Reader => _pipe.Reader;

    /// <summary>Starts receiving.</summary>
    public void Start() => _thread.Start();

    private void Run()
    {
        var writer = _pipe.Writer;
        try
        {
            while (true)
            {
                var received = _socket.Receive(writer.GetSpan(ReadSize));
                if (received == 0)
                {
                    writer.Complete();
                    return;
                }

                writer.Advance(received);
                var flush = writer.FlushAsync();
                var result = flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                if (result.IsCompleted)
                {
                    writer.Complete();
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            writer.Complete(e);
        }
    }
}
