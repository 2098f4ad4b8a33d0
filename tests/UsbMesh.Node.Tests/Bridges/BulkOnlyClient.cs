using System.Buffers.Binary;
using UsbMesh.Devices;
using UsbMesh.Usb;

namespace UsbMesh.Node.Tests.Bridges;

/// <summary>
/// The host side of a USB stick, enough to move blocks: Bulk-Only Transport (CBW on bulk OUT 0x02, data, CSW on bulk
/// IN 0x81) carrying SCSI READ(10) and WRITE(10) of 512-byte blocks.
/// </summary>
internal sealed class BulkOnlyClient(IUsbDeviceBackend device)
{
    public const int BlockSize = 512;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private uint _tag;

    public async Task<byte[]> ReadAsync(uint lba, ushort blocks)
    {
        var length = blocks * BlockSize;
        await CommandAsync(length, dataIn: true, [0x28, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0]);
        var data = await RunAsync(UrbRequest.BulkIn(1, length));
        await StatusAsync();
        return data.InData.ToArray();
    }

    public async Task WriteAsync(uint lba, byte[] data)
    {
        var blocks = (ushort)(data.Length / BlockSize);
        await CommandAsync(data.Length, dataIn: false, [0x2A, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0]);
        var written = await RunAsync(UrbRequest.BulkOut(2, data));
        Assert.Equal(data.Length, written.ActualLength);
        await StatusAsync();
    }

    private async Task CommandAsync(int length, bool dataIn, byte[] cdb)
    {
        var cbw = new byte[31];
        BinaryPrimitives.WriteUInt32LittleEndian(cbw, 0x43425355);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(4), ++_tag);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(8), (uint)length);
        cbw[12] = dataIn ? (byte)0x80 : (byte)0;
        cbw[14] = (byte)cdb.Length;
        cdb.CopyTo(cbw, 15);
        await RunAsync(UrbRequest.BulkOut(2, cbw));
    }

    private async Task StatusAsync()
    {
        var csw = (await RunAsync(UrbRequest.BulkIn(1, 13))).InData.ToArray();
        Assert.Equal(13, csw.Length);
        Assert.Equal(0x53425355u, BinaryPrimitives.ReadUInt32LittleEndian(csw));
        Assert.Equal(_tag, BinaryPrimitives.ReadUInt32LittleEndian(csw.AsSpan(4)));
        Assert.Equal(0, csw[12]);
    }

    private async Task<UrbResult> RunAsync(UrbRequest request)
    {
        var result = await device.SubmitAsync(request, CancellationToken.None).WaitAsync(Patience);
        Assert.True(result.Status == UrbStatus.Completed, $"{request.TransferType} to 0x{request.EndpointAddress:x2} ended {result.Status}");
        return result;
    }
}
