using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace UsbMesh.Bench.UsbIp;

/// <summary>
/// The physical limit on loopback: a TCP server with no USB/IP in it, on the same socket and pipe layer as usbipd.
/// Every message starts with a 16-byte header (request length, reply length, seqnum, 0); the server reads and
/// discards the request payload and answers with a 16-byte header and the reply length of bytes from a preallocated
/// buffer, flushing once per burst of parsed requests. A reply length of -1 means no reply (one-way stream).
/// </summary>
internal sealed class RawTcpServer : IAsyncDisposable
{
    public const int HeaderLength = 16;

    private readonly Socket _listener;
    private readonly byte[] _source;
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accept;

    public RawTcpServer(int maxReplyLength)
    {
        _source = new byte[maxReplyLength];
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accept = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint Endpoint { get; }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accept.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _cancel.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cancel.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_cancel.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            lock (_connections)
            {
                _connections.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var token = _cancel.Token;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream);
        var writer = PipeWriter.Create(stream);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var replies = 0;
                while (TryParse(ref buffer, out var replyLength, out var seqnum))
                {
                    if (replyLength >= 0)
                    {
                        var span = writer.GetSpan(HeaderLength);
                        span[..HeaderLength].Clear();
                        BinaryPrimitives.WriteUInt32BigEndian(span[8..], seqnum);
                        writer.Advance(HeaderLength);
                        writer.Write(_source.AsSpan(0, replyLength));
                        replies++;
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (replies > 0)
                {
                    await writer.FlushAsync(token).ConfigureAwait(false);
                }

                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool TryParse(ref ReadOnlySequence<byte> buffer, out int replyLength, out uint seqnum)
    {
        replyLength = 0;
        seqnum = 0;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        var requestLength = BinaryPrimitives.ReadInt32BigEndian(header);
        if (buffer.Length < HeaderLength + requestLength)
        {
            return false;
        }

        replyLength = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        seqnum = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        buffer = buffer.Slice(HeaderLength + requestLength);
        return true;
    }
}

/// <summary>
/// The client of <see cref="RawTcpServer"/>, shaped like the USB/IP client: a bulk OUT request carries the payload
/// and gets a bare header back, a bulk IN request is a bare header and gets the payload back. "Interrupt IN" is the
/// ping-pong: 48 bytes after the header each way, so 64-byte messages in both directions.
/// </summary>
internal sealed class RawTcpClient : PipelinedClient
{
    public const int PingPongMessage = 64;

    private readonly byte[] _payload;

    private RawTcpClient(Socket socket, int maxLength)
        : base(socket) => _payload = new byte[maxLength];

    public static async Task<RawTcpClient> ConnectAsync(IPEndPoint endpoint, int maxLength) =>
        new(await ConnectSocketAsync(endpoint).ConfigureAwait(false), maxLength);

    /// <summary>A plain one-way stream: <paramref name="count"/> chunks of <paramref name="length"/> bytes, each written and flushed, then one acknowledged marker.</summary>
    public async Task<TimeSpan> StreamAsync(int length, int count)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            WriteMessage(length, -1, NextSeqnum());
            await Writer.FlushAsync().ConfigureAwait(false);
        }

        WriteMessage(0, 0, NextSeqnum());
        await Writer.FlushAsync().ConfigureAwait(false);
        await ReadOneAsync(new Transfer(TransferKind.BulkOut, 0)).ConfigureAwait(false);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    protected override void WriteRequest(Transfer transfer, uint seqnum)
    {
        switch (transfer.Kind)
        {
            case TransferKind.BulkOut:
                WriteMessage(transfer.Length, 0, seqnum);
                break;
            case TransferKind.BulkIn:
                WriteMessage(0, transfer.Length, seqnum);
                break;
            default:
                WriteMessage(PingPongMessage - RawTcpServer.HeaderLength, PingPongMessage - RawTcpServer.HeaderLength, seqnum);
                break;
        }
    }

    protected override bool TryReadReply(ref ReadOnlySequence<byte> buffer, Transfer transfer)
    {
        var payload = transfer.Kind switch
        {
            TransferKind.BulkOut => 0,
            TransferKind.BulkIn => transfer.Length,
            _ => PingPongMessage - RawTcpServer.HeaderLength,
        };
        if (buffer.Length < RawTcpServer.HeaderLength + payload)
        {
            return false;
        }

        buffer = buffer.Slice(RawTcpServer.HeaderLength + payload);
        return true;
    }

    private void WriteMessage(int requestLength, int replyLength, uint seqnum)
    {
        var span = Writer.GetSpan(RawTcpServer.HeaderLength);
        BinaryPrimitives.WriteInt32BigEndian(span, requestLength);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], replyLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], seqnum);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], 0);
        Writer.Advance(RawTcpServer.HeaderLength);
        if (requestLength > 0)
        {
            Writer.Write(_payload.AsSpan(0, requestLength));
        }
    }
}
