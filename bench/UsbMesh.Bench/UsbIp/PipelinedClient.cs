using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace UsbMesh.Bench.UsbIp;

/// <summary>What one request asks for: data to the peer (OUT) or from it (IN), and how many bytes.</summary>
/// <param name="Kind">Which transfer.</param>
/// <param name="Length">Payload bytes per request (OUT) or reply (IN).</param>
internal readonly record struct Transfer(TransferKind Kind, int Length);

internal enum TransferKind
{
    BulkIn,
    BulkOut,
    InterruptIn,
}

/// <summary>
/// The part both benchmark clients share (the USB/IP one and the raw TCP one): a socket with a pipe reader and writer
/// over it, a windowed run (a writer loop that sends while it holds one of <c>window</c> credits, a reader loop that
/// parses replies and gives the credits back) and a one-at-a-time round-trip loop for latency.
/// </summary>
internal abstract class PipelinedClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private uint _seqnum;

    protected PipelinedClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Reader = PipeReader.Create(_stream);
        Writer = PipeWriter.Create(_stream);
    }

    protected PipeReader Reader { get; }

    protected PipeWriter Writer { get; }

    /// <summary>
    /// Sends <paramref name="count"/> requests with at most <paramref name="window"/> unanswered and waits for every
    /// reply. Requests are flushed once per burst (all the credits available at that moment).
    /// </summary>
    public async Task<TimeSpan> RunAsync(Transfer transfer, int count, int window)
    {
        using var credits = new SemaphoreSlim(window, window);
        var start = Stopwatch.GetTimestamp();
        var reader = Task.Run(() => ReadRepliesAsync(transfer, count, credits));
        var writer = Task.Run(() => WriteRequestsAsync(transfer, count, credits));
        await Task.WhenAll(writer, reader).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>One request at a time: sends it, waits for its reply; <paramref name="ticks"/> gets each round trip (Stopwatch ticks).</summary>
    public async Task RoundTripsAsync(Transfer transfer, long[] ticks)
    {
        for (var i = 0; i < ticks.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            WriteRequest(transfer, NextSeqnum());
            await Writer.FlushAsync().ConfigureAwait(false);
            await ReadOneAsync(transfer).ConfigureAwait(false);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Writer.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    protected static async Task<Socket> ConnectSocketAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint).ConfigureAwait(false);
        return socket;
    }

    protected uint NextSeqnum() => ++_seqnum;

    /// <summary>Writes one request into <see cref="Writer"/> (no flush).</summary>
    protected abstract void WriteRequest(Transfer transfer, uint seqnum);

    /// <summary>Parses one reply from the start of <paramref name="buffer"/>; false when it is not complete yet. Throws on a bad reply.</summary>
    protected abstract bool TryReadReply(ref ReadOnlySequence<byte> buffer, Transfer transfer);

    protected async Task ReadOneAsync(Transfer transfer)
    {
        while (true)
        {
            var result = await Reader.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadReply(ref buffer, transfer))
            {
                Reader.AdvanceTo(buffer.Start);
                return;
            }

            Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the server closed the connection");
            }
        }
    }

    private async Task WriteRequestsAsync(Transfer transfer, int count, SemaphoreSlim credits)
    {
        var sent = 0;
        while (sent < count)
        {
            await credits.WaitAsync().ConfigureAwait(false);
            WriteRequest(transfer, NextSeqnum());
            sent++;
            while (sent < count && credits.Wait(0))
            {
                WriteRequest(transfer, NextSeqnum());
                sent++;
            }

            await Writer.FlushAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadRepliesAsync(Transfer transfer, int count, SemaphoreSlim credits)
    {
        var received = 0;
        while (received < count)
        {
            var result = await Reader.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var parsed = 0;
            while (received + parsed < count && TryReadReply(ref buffer, transfer))
            {
                parsed++;
            }

            Reader.AdvanceTo(buffer.Start, buffer.End);
            if (parsed > 0)
            {
                received += parsed;
                credits.Release(parsed);
            }
            else if (result.IsCompleted)
            {
                throw new EndOfStreamException("the server closed the connection");
            }
        }
    }
}
