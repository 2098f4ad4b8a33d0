using UsbMesh.Gadgets.MassStorage;

namespace UsbMesh.Gadgets.Tests.MassStorage;

/// <summary>Runs whole SCSI commands against a <see cref="ScsiBlockDevice"/>: begin, move all data, complete.</summary>
internal static class Scsi
{
    public static (ScsiStatus Status, byte[] Data) Run(ScsiBlockDevice device, byte[] cdb, byte[]? dataOut = null)
    {
        var phase = device.Begin(cdb);
        var data = Array.Empty<byte>();
        if (phase.Direction == ScsiDataDirection.In)
        {
            data = new byte[phase.Length];
            Assert.Equal(data.Length, device.ReadIn(data));
        }
        else if (phase.Direction == ScsiDataDirection.Out)
        {
            Assert.NotNull(dataOut);
            Assert.Equal(phase.Length, dataOut.Length);
            Assert.Equal(dataOut.Length, device.WriteOut(dataOut));
        }

        return (device.Complete(), data);
    }

    public static byte[] Read10(uint lba, ushort blocks) =>
        [0x28, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0];

    public static byte[] Write10(uint lba, ushort blocks) =>
        [0x2A, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0];

    public static byte[] Read16(ulong lba, uint blocks) => Cdb16(0x88, lba, blocks);

    public static byte[] Write16(ulong lba, uint blocks) => Cdb16(0x8A, lba, blocks);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + seed);
        }

        return bytes;
    }

    private static byte[] Cdb16(byte opcode, ulong lba, uint blocks)
    {
        var cdb = new byte[16];
        cdb[0] = opcode;
        for (var i = 0; i < 8; i++)
        {
            cdb[2 + i] = (byte)(lba >> (56 - (8 * i)));
        }

        for (var i = 0; i < 4; i++)
        {
            cdb[10 + i] = (byte)(blocks >> (24 - (8 * i)));
        }

        return cdb;
    }
}
