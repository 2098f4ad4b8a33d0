using UsbMesh.LibUsb;

namespace UsbMesh.UsbHost;

/// <summary>
/// Where one transfer's data lies, and how its IN data leaves once the transfer has completed: a pooled array goes
/// on with the result as it is; usbfs-mapped memory and the transfer's own native buffer are copied out, since they
/// are reused (or freed) as soon as the completion returns.
/// </summary>
internal sealed class TransferBuffer
{
    /// <summary>The transfer's own native buffer (control and isochronous transfers).</summary>
    public static readonly TransferBuffer Native = new(null, null, default);

    private readonly LibUsbDeviceMemory? _mappedPool;
    private readonly LibUsbDeviceBuffer _mapped;
    private PooledBuffer? _array;

    private TransferBuffer(PooledBuffer? array, LibUsbDeviceMemory? mappedPool, LibUsbDeviceBuffer mapped)
    {
        _array = array;
        _mappedPool = mappedPool;
        _mapped = mapped;
    }

    /// <summary>The usbfs-mapped buffer, for a transfer that runs in one.</summary>
    public LibUsbDeviceBuffer? MappedBuffer => _mappedPool is null ? null : _mapped;

    /// <summary>The pooled array, for a transfer that runs in one.</summary>
    public PooledBuffer? Array => _array;

    /// <summary>A transfer in a pooled managed array.</summary>
    /// <param name="array">The array.</param>
    public static TransferBuffer Pooled(PooledBuffer array) => new(array, null, default);

    /// <summary>A transfer in a usbfs-mapped buffer of <paramref name="pool"/>.</summary>
    /// <param name="pool">The device's mapped buffers.</param>
    /// <param name="buffer">The buffer.</param>
    public static TransferBuffer Mapped(LibUsbDeviceMemory pool, LibUsbDeviceBuffer buffer) => new(null, pool, buffer);

    /// <summary>The first <paramref name="actual"/> bytes read, and what gives their memory back once they are sent.</summary>
    /// <param name="transfer">The completed transfer.</param>
    /// <param name="type">Its type (a control transfer's data follows the setup packet).</param>
    /// <param name="actual">Bytes read.</param>
    public (ReadOnlyMemory<byte> Data, IDisposable? Release) TakeInData(LibUsbTransfer transfer, TransferType type, int actual)
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            return (array.Array.AsMemory(0, actual), array);
        }

        var source = type == TransferType.Control ? transfer.ControlData : transfer.Buffer;
        if (_mappedPool is null)
        {
            return (source[..actual].ToArray(), null);
        }

        var copy = PooledBuffer.Rent(actual);
        source[..actual].CopyTo(copy.Array);
        return (copy.Array.AsMemory(0, actual), copy);
    }

    /// <summary>Gives back what was not handed on. Call once the transfer is done with (completed or never submitted).</summary>
    public void Release()
    {
        Interlocked.Exchange(ref _array, null)?.Dispose();
        _mappedPool?.Return(_mapped);
    }
}
