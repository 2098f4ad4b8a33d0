using System.Buffers.Binary;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.MassStorage;

/// <summary>
/// The host side of a USB stick, enough to move blocks: Bulk-Only Transport (a CBW on the bulk OUT endpoint, the data
/// stage, a CSW on the bulk IN endpoint) carrying SCSI TEST UNIT READY, READ CAPACITY(10), READ(10) and WRITE(10) of
/// 512-byte blocks. Works on anything that runs URBs: a device backend, an imported device, a USB/IP client.
/// </summary>
/// <remarks>
/// A data stage longer than <paramref name="maxUrbLength"/> goes out as several URBs submitted at once, as a host
/// controller driver splits a scatter-gather list: the endpoint keeps their order, and over a network the next URB is
/// already on its way while one is answered, so throughput is not bound by one round trip per URB.
/// </remarks>
/// <param name="submit">Runs one URB.</param>
/// <param name="bulkIn">The bulk IN endpoint's number.</param>
/// <param name="bulkOut">The bulk OUT endpoint's number.</param>
/// <param name="maxUrbLength">The longest URB of a data stage.</param>
public sealed class BulkOnlyInitiator(
    Func<UrbRequest, CancellationToken, Task<UrbResult>> submit, int bulkIn = 1, int bulkOut = 2, int maxUrbLength = 64 * 1024)
{
    public const int BlockSize = 512;

    private uint _tag;

    /// <summary>TEST UNIT READY: no data stage.</summary>
    /// <exception cref="BulkOnlyException">A transfer failed or the device reported a failed command.</exception>
    public Task TestUnitReadyAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(0, dataIn: true, [0x00, 0, 0, 0, 0, 0], cancellationToken);

    /// <summary>READ CAPACITY(10): the number of blocks and the block size.</summary>
    /// <exception cref="BulkOnlyException">A transfer failed or the device reported a failed command.</exception>
    public async Task<(long Blocks, int BlockLength)> ReadCapacityAsync(CancellationToken cancellationToken = default)
    {
        var data = new byte[8];
        await CommandAsync(8, dataIn: true, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], cancellationToken, data).ConfigureAwait(false);
        return (BinaryPrimitives.ReadUInt32BigEndian(data) + 1L, (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)));
    }

    /// <summary>READ(10) of <paramref name="blocks"/> blocks from <paramref name="lba"/>.</summary>
    /// <exception cref="BulkOnlyException">A transfer failed or the device reported a failed command.</exception>
    public async Task<byte[]> ReadAsync(uint lba, ushort blocks, CancellationToken cancellationToken = default)
    {
        var data = new byte[blocks * BlockSize];
        await ReadAsync(lba, data, cancellationToken).ConfigureAwait(false);
        return data;
    }

    /// <summary>READ(10) of <paramref name="destination"/>'s length (whole blocks) from <paramref name="lba"/> into it.</summary>
    /// <exception cref="BulkOnlyException">A transfer failed or the device reported a failed command.</exception>
    public Task ReadAsync(uint lba, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        CommandAsync(destination.Length, dataIn: true, Cdb10(0x28, lba, Blocks(destination.Length)), cancellationToken, destination);

    /// <summary>WRITE(10) of <paramref name="data"/> (whole blocks) at <paramref name="lba"/>.</summary>
    /// <exception cref="BulkOnlyException">A transfer failed or the device reported a failed command.</exception>
    public Task WriteAsync(uint lba, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        CommandAsync(data.Length, dataIn: false, Cdb10(0x2A, lba, Blocks(data.Length)), cancellationToken, outData: data);

    private async Task CommandAsync(int length, bool dataIn, byte[] cdb, CancellationToken cancellationToken,
        Memory<byte> inData = default, ReadOnlyMemory<byte> outData = default)
    {
        var tag = ++_tag;
        var cbw = new byte[CommandBlockWrapper.Length];
        new CommandBlockWrapper(tag, (uint)length, dataIn ? (byte)0x80 : (byte)0, 0, (byte)cdb.Length).WriteTo(cbw, cdb);
        await RunAsync(UrbRequest.BulkOut(bulkOut, cbw), cancellationToken).ConfigureAwait(false);

        var stage = new List<Task<UrbResult>>();
        for (var offset = 0; offset < length; offset += maxUrbLength)
        {
            var part = Math.Min(maxUrbLength, length - offset);
            stage.Add(RunAsync(dataIn ? UrbRequest.BulkIn(bulkIn, part) : UrbRequest.BulkOut(bulkOut, outData.Slice(offset, part)), cancellationToken));
        }

        var results = await Task.WhenAll(stage).ConfigureAwait(false);
        for (int i = 0, offset = 0; i < results.Length; offset += results[i].ActualLength, i++)
        {
            if (dataIn)
            {
                results[i].InData.CopyTo(inData[offset..]);
                results[i].InDataRelease?.Dispose();
            }
        }

        var moved = results.Sum(r => r.ActualLength);
        var status = await RunAsync(UrbRequest.BulkIn(bulkIn, CommandStatusWrapper.Length), cancellationToken).ConfigureAwait(false);
        if (!CommandStatusWrapper.TryParse(status.InData.Span, out var csw) || csw.Tag != tag)
        {
            throw new BulkOnlyException($"command 0x{cdb[0]:x2}: no valid status wrapper for tag {tag}");
        }

        if (csw.Status != CommandStatus.Passed || moved != length)
        {
            throw new BulkOnlyException($"command 0x{cdb[0]:x2}: status {csw.Status}, {moved} of {length} bytes moved");
        }
    }

    private async Task<UrbResult> RunAsync(UrbRequest request, CancellationToken cancellationToken)
    {
        var result = await submit(request, cancellationToken).ConfigureAwait(false);
        return result.Status == UrbStatus.Completed
            ? result
            : throw new BulkOnlyException($"{request.TransferType} to 0x{request.EndpointAddress:x2} ended {result.Status}");
    }

    private static ushort Blocks(int length) =>
        length % BlockSize == 0 && length / BlockSize is > 0 and <= ushort.MaxValue
            ? (ushort)(length / BlockSize)
            : throw new ArgumentException($"{length} bytes are not 1 to {ushort.MaxValue} whole blocks of {BlockSize}", nameof(length));

    private static byte[] Cdb10(byte opcode, uint lba, ushort blocks) =>
        [opcode, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0];
}

/// <summary>A Bulk-Only command failed: a transfer did not complete, or the device reported the command failed.</summary>
public sealed class BulkOnlyException(string message) : IOException(message);
