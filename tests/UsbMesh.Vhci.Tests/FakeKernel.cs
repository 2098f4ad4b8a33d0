using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbMesh.Vhci.Tests;

/// <summary>
/// The kernel's side of an attach: takes its own reference to the socket whose fd was written to <c>attach</c> (as
/// sockfd_lookup does) and speaks USB/IP as vhci_hcd does: CMD_SUBMIT and CMD_UNLINK out, RET_* back.
/// </summary>
internal sealed partial class FakeKernel : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TestKitBase.Dilated(TimeSpan.FromSeconds(5));
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly Dictionary<uint, UsbIpSubmitInfo> _pending = [];
    private readonly UsbIpUrbParser _parser;
    private readonly uint _devId;
    private uint _seqnum;

    public FakeKernel(int socketFd, uint devId)
    {
        var fd = Dup(socketFd);
        Assert.True(fd >= 0, $"dup({socketFd}) failed: errno {Marshal.GetLastPInvokeError()}");
        _socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        _stream = new NetworkStream(_socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
        _parser = UsbIpUrbParser.ForClient(Lookup);
        _devId = devId;
    }

    public async Task<uint> SubmitAsync(UsbIpDirection direction, uint endpoint, int length, SetupPacket setup = default)
    {
        var seqnum = ++_seqnum;
        _pending[seqnum] = new UsbIpSubmitInfo(direction, false, length);
        var data = direction == UsbIpDirection.Out ? new byte[length] : [];
        var buffer = new ArrayBufferWriter<byte>();
        UsbIpWriter.Write(new UsbIpCmdSubmit(seqnum, _devId, direction, endpoint, 0, length, 0, 0, 0, setup, data, []), buffer);
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(buffer.WrittenMemory, SocketFlags.None, timeout.Token);
        return seqnum;
    }

    public async Task<UsbIpUrbMessage> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await UsbIpPipeReads.ReadOneAsync<UsbIpUrbMessage>(_reader, _parser.TryParse, timeout.Token);
    }

    /// <summary>True when the server side closes within the timeout (what vhci_hcd's receiving thread sees on detach).</summary>
    public async Task<bool> WaitClosedAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(timeout.Token);
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

    /// <summary>Closes the kernel's side, as vhci_hcd does when a port is detached from the shell.</summary>
    public void Shutdown() => _socket.Shutdown(SocketShutdown.Both);

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    private bool Lookup(uint seqnum, out UsbIpSubmitInfo submit) => _pending.TryGetValue(seqnum, out submit);
}
