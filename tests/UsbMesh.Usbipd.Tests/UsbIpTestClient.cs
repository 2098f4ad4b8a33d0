using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace UsbMesh.Usbipd.Tests;

/// <summary>A small USB/IP client over a real socket, built on the codec's client side.</summary>
internal sealed class UsbIpTestClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TestKitBase.Dilated(TimeSpan.FromSeconds(5));
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly UsbIpOpParser _op = new(UsbIpRole.Client);
    private readonly Dictionary<uint, UsbIpSubmitInfo> _pending = [];
    private readonly object _gate = new();
    private UsbIpUrbParser? _urb;
    private uint _seqnum;

    private UsbIpTestClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
    }

    public uint DevId { get; private set; }

    public static async Task<UsbIpTestClient> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(endpoint, timeout.Token);
        return new UsbIpTestClient(socket);
    }

    public async Task SendAsync(UsbIpMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        UsbIpWriter.Write(message, buffer);
        await SendRawAsync(buffer.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public async Task<UsbIpDevListReply> ListAsync()
    {
        await SendAsync(new UsbIpDevListRequest());
        return (UsbIpDevListReply)await ReceiveOpAsync();
    }

    public async Task<UsbIpImportReply> ImportAsync(string busId)
    {
        await SendAsync(new UsbIpImportRequest(busId));
        var reply = (UsbIpImportReply)await ReceiveOpAsync();
        if (reply.Status == 0)
        {
            DevId = (reply.Device!.BusNum << 16) | reply.Device.DevNum;
            _urb = UsbIpUrbParser.ForClient(Lookup);
        }

        return reply;
    }

    public uint NextSeqnum() => Interlocked.Increment(ref _seqnum);

    /// <summary>Sends a CMD_SUBMIT and remembers it, so its reply can be framed.</summary>
    public async Task<uint> SubmitAsync(UsbIpDirection direction, uint endpoint, int length, byte[]? outData = null, SetupPacket setup = default, uint? seqnum = null)
    {
        var seq = seqnum ?? NextSeqnum();
        lock (_gate)
        {
            _pending[seq] = new UsbIpSubmitInfo(direction, false, length);
        }

        var data = direction == UsbIpDirection.Out ? outData ?? new byte[length] : [];
        await SendAsync(new UsbIpCmdSubmit(seq, DevId, direction, endpoint, 0, length, 0, 0, 0, setup, data, []));
        return seq;
    }

    /// <summary>Remembers a CMD_SUBMIT sent raw, so its reply can be framed.</summary>
    public void Track(uint seqnum, UsbIpDirection direction, int length)
    {
        lock (_gate)
        {
            _pending[seqnum] = new UsbIpSubmitInfo(direction, false, length);
        }
    }

    /// <summary>Remembers an isochronous CMD_SUBMIT sent raw, so its reply (with its ISO descriptors) can be framed.</summary>
    public void TrackIsochronous(uint seqnum, UsbIpDirection direction, int length, int numberOfPackets)
    {
        lock (_gate)
        {
            _pending[seqnum] = new UsbIpSubmitInfo(direction, true, length, numberOfPackets);
        }
    }

    public async Task<uint> UnlinkAsync(uint target)
    {
        var seq = NextSeqnum();
        await SendAsync(new UsbIpCmdUnlink(seq, DevId, UsbIpDirection.Out, 0, target));
        return seq;
    }

    public async Task<UsbIpOpMessage> ReceiveOpAsync()
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        return await UsbIpPipeReads.ReadOneAsync<UsbIpOpMessage>(_reader, _op.TryParse, timeout.Token);
    }

    public async Task<UsbIpUrbMessage> ReceiveUrbAsync()
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        var message = await UsbIpPipeReads.ReadOneAsync<UsbIpUrbMessage>(_reader, _urb!.TryParse, timeout.Token);
        if (message is UsbIpRetSubmit reply)
        {
            lock (_gate)
            {
                _pending.Remove(reply.Seqnum);
            }
        }

        return message;
    }

    /// <summary>True when the server closes the connection (EOF or reset) within the timeout; bytes before that are skipped.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(cancel.Token);
                _reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
    }

    private bool Lookup(uint seqnum, out UsbIpSubmitInfo submit)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(seqnum, out submit);
        }
    }
}
