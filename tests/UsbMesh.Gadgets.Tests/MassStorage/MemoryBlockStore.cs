using UsbMesh.Gadgets.MassStorage;

namespace UsbMesh.Gadgets.Tests.MassStorage;

/// <summary>An in-memory medium for SCSI and BOT tests, with injectable medium errors.</summary>
internal sealed class MemoryBlockStore(long blockCount, bool readOnly = false, int blockSize = 512) : IBlockStore
{
    public byte[] Data { get; } = new byte[blockCount * blockSize];

    public int BlockSize => blockSize;

    public long BlockCount => blockCount;

    public bool IsReadOnly => readOnly;

    public int Flushes { get; private set; }

    public bool FailReads { get; set; }

    public bool FailWrites { get; set; }

    public void Read(long byteOffset, Span<byte> destination)
    {
        if (FailReads)
        {
            throw new IOException("injected read failure");
        }

        Data.AsSpan((int)byteOffset, destination.Length).CopyTo(destination);
    }

    public void Write(long byteOffset, ReadOnlySpan<byte> source)
    {
        if (FailWrites)
        {
            throw new IOException("injected write failure");
        }

        source.CopyTo(Data.AsSpan((int)byteOffset));
    }

    public void Flush() => Flushes++;

    public void Dispose()
    {
    }
}
