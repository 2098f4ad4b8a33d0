namespace UsbMesh.Gadgets.MassStorage;

/// <summary>
/// The medium behind an emulated mass-storage device: a fixed number of fixed-size blocks, addressed here by byte
/// offset so a data phase that spans several USB transfers can resume in the middle of a block. Implementations are
/// synchronous (local files via positional I/O); callers on latency-sensitive threads offload the call.
/// </summary>
public interface IBlockStore : IDisposable
{
    /// <summary>Bytes per logical block (512 for image files).</summary>
    int BlockSize { get; }

    /// <summary>Number of logical blocks; the last LBA is <c>BlockCount - 1</c>.</summary>
    long BlockCount { get; }

    /// <summary>True when writes are refused (the SCSI layer answers DATA PROTECT).</summary>
    bool IsReadOnly { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="byteOffset"/>; throws <see cref="IOException"/> on a medium error.</summary>
    /// <param name="byteOffset">Offset from the start of the medium.</param>
    /// <param name="destination">Bytes to fill completely.</param>
    void Read(long byteOffset, Span<byte> destination);

    /// <summary>Writes <paramref name="source"/> at <paramref name="byteOffset"/>; throws <see cref="IOException"/> on a medium error.</summary>
    /// <param name="byteOffset">Offset from the start of the medium.</param>
    /// <param name="source">Bytes to write.</param>
    void Write(long byteOffset, ReadOnlySpan<byte> source);

    /// <summary>Makes every completed write durable (reaches the disk, not only the OS cache).</summary>
    void Flush();
}
