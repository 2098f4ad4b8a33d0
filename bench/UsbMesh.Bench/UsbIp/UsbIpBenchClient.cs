using System.Buffers;
using System.Net;
using UsbMesh.UsbIp;

namespace UsbMesh.Bench.UsbIp;

/// <summary>
/// A USB/IP client (the importing side) built on the codec: OP_REQ_IMPORT through <see cref="UsbIpOpParser"/>, then
/// CMD_SUBMITs written by <see cref="UsbIpWriter"/> and RET_SUBMITs parsed by <see cref="UsbIpUrbParser.ForClient"/>.
/// Every request of one run has the same shape, so the parser's pending lookup answers that shape for any seqnum.
/// </summary>
internal sealed class UsbIpBenchClient : PipelinedClient
{
    private readonly UsbIpUrbParser _urb;
    private readonly byte[] _outData;
    private UsbIpSubmitInfo _shape;
    private uint _devId;

    private UsbIpBenchClient(System.Net.Sockets.Socket socket, int maxLength)
        : base(socket)
    {
        _outData = new byte[maxLength];
        _urb = UsbIpUrbParser.ForClient(Lookup, UsbIpLimits.Default);
    }

    public static async Task<UsbIpBenchClient> ImportAsync(IPEndPoint endpoint, string busId, int maxLength)
    {
        var client = new UsbIpBenchClient(await ConnectSocketAsync(endpoint).ConfigureAwait(false), maxLength);
        await client.ImportAsync(busId).ConfigureAwait(false);
        return client;
    }

    protected override void WriteRequest(Transfer transfer, uint seqnum)
    {
        _shape = Shape(transfer);
        var (direction, endpoint, interval, data) = transfer.Kind switch
        {
            TransferKind.BulkOut => (UsbIpDirection.Out, 1u, 0, _outData.AsMemory(0, transfer.Length)),
            TransferKind.BulkIn => (UsbIpDirection.In, 1u, 0, ReadOnlyMemory<byte>.Empty),
            _ => (UsbIpDirection.In, 2u, 1, ReadOnlyMemory<byte>.Empty),
        };
        UsbIpWriter.Write(new UsbIpCmdSubmit(seqnum, _devId, direction, endpoint, 0, transfer.Length, 0, 0, interval, default, data, []), Writer);
    }

    protected override bool TryReadReply(ref ReadOnlySequence<byte> buffer, Transfer transfer)
    {
        var outcome = _urb.TryParse(ref buffer, out var message, out var error);
        if (outcome == UsbIpParseResult.Error)
        {
            throw error!;
        }

        if (outcome == UsbIpParseResult.NeedMoreData)
        {
            return false;
        }

        if (message is not UsbIpRetSubmit { Status: 0 } reply || reply.ActualLength != transfer.Length)
        {
            throw new InvalidOperationException($"unexpected reply {message}");
        }

        return true;
    }

    private static UsbIpSubmitInfo Shape(Transfer transfer) =>
        new(transfer.Kind == TransferKind.BulkOut ? UsbIpDirection.Out : UsbIpDirection.In, false, transfer.Length);

    private bool Lookup(uint seqnum, out UsbIpSubmitInfo submit)
    {
        submit = _shape;
        return true;
    }

    private async Task ImportAsync(string busId)
    {
        UsbIpWriter.Write(new UsbIpImportRequest(busId), Writer);
        await Writer.FlushAsync().ConfigureAwait(false);
        var parser = new UsbIpOpParser(UsbIpRole.Client);
        while (true)
        {
            var result = await Reader.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var outcome = parser.TryParse(ref buffer, out var message, out var error);
            if (outcome == UsbIpParseResult.Error)
            {
                throw error!;
            }

            if (outcome == UsbIpParseResult.Parsed)
            {
                Reader.AdvanceTo(buffer.Start);
                if (message is not UsbIpImportReply { Status: 0, Device: { } device })
                {
                    throw new InvalidOperationException($"import of {busId} failed: {message}");
                }

                _devId = (device.BusNum << 16) | device.DevNum;
                return;
            }

            Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the server closed the connection before replying");
            }
        }
    }
}
