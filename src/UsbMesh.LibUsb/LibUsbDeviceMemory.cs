using System.Numerics;

namespace UsbMesh.LibUsb;

/// <summary>A buffer of <see cref="LibUsbDeviceMemory"/>: memory the kernel's usbfs transfers into directly.</summary>
/// <param name="Pointer">Start of the mapping.</param>
/// <param name="Capacity">Its length.</param>
public readonly unsafe record struct LibUsbDeviceBuffer(IntPtr Pointer, int Capacity)
{
    /// <summary>The buffer's bytes. Only while the buffer is rented and no transfer is in flight in it.</summary>
    public Span<byte> Span => new((void*)Pointer, Capacity);
}

/// <summary>
/// Transfer buffers mapped from usbfs (<c>libusb_dev_mem_alloc</c>), pooled per open device. A transfer in such a
/// buffer is zero-copy in the kernel: usbfs neither allocates a bounce buffer per URB nor copies the data to or from
/// user space, which for megabyte bulk reads is most of the cost of a transfer on a slow CPU.
/// </summary>
/// <remarks>
/// <para>Buffers come in power-of-two sizes from 16 KiB; at most <see cref="MappedLimit"/> bytes are mapped per device
/// (usbfs caps all devices together at <c>usbfs_memory_mb</c>, 16 MiB by default). When the kernel refuses a mapping
/// (no usbfs mmap support, the cap reached, no contiguous memory) <see cref="TryRent"/> says no and the caller uses an
/// ordinary buffer; after the first refusal the pool stops asking.</para>
/// <para>Thread-safe. <see cref="Dispose"/> (before the device handle closes) unmaps the idle buffers; a buffer still
/// rented then is unmapped when it comes back, or — if its transfer never completes — stays mapped until the process
/// ends, which is safe (nothing unmaps memory a transfer may still use).</para>
/// </remarks>
public sealed unsafe class LibUsbDeviceMemory : IDisposable
{
    /// <summary>Bytes mapped per device at most.</summary>
    public const int MappedLimit = 8 << 20;

    private const int SmallestBuffer = 16 << 10;

    private readonly LibUsbDeviceHandle _handle;
    private readonly Dictionary<int, Stack<IntPtr>> _idle = [];
    private readonly object _gate = new();
    private long _mapped;
    private bool _refused;
    private bool _disposed;

    /// <summary>Creates an empty pool for an open device.</summary>
    /// <param name="handle">The device handle; must stay open until <see cref="Dispose"/>.</param>
    public LibUsbDeviceMemory(LibUsbDeviceHandle handle) => _handle = handle;

    /// <summary>Bytes mapped now (idle and rented).</summary>
    public long MappedBytes => Interlocked.Read(ref _mapped);

    /// <summary>Rents a buffer of at least <paramref name="length"/> bytes, or says no (use an ordinary buffer then).</summary>
    /// <param name="length">Bytes needed; above <see cref="MappedLimit"/> always no.</param>
    /// <param name="buffer">The buffer.</param>
    public bool TryRent(int length, out LibUsbDeviceBuffer buffer)
    {
        buffer = default;
        if (length <= 0 || length > MappedLimit)
        {
            return false;
        }

        var size = Math.Max(SmallestBuffer, (int)BitOperations.RoundUpToPowerOf2((uint)length));
        lock (_gate)
        {
            if (_disposed || _refused)
            {
                return false;
            }

            if (_idle.TryGetValue(size, out var idle) && idle.TryPop(out var pointer))
            {
                buffer = new LibUsbDeviceBuffer(pointer, size);
                return true;
            }

            if (_mapped + size > MappedLimit)
            {
                return false;
            }

            var mapped = LibUsbNative.DevMemAlloc(_handle, (nuint)size);
            if (mapped == null)
            {
                _refused = true;
                return false;
            }

            _mapped += size;
            buffer = new LibUsbDeviceBuffer((IntPtr)mapped, size);
            return true;
        }
    }

    /// <summary>Gives a buffer back (after its transfer has completed).</summary>
    /// <param name="buffer">A buffer this pool rented.</param>
    public void Return(LibUsbDeviceBuffer buffer)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                Unmap(buffer.Pointer, buffer.Capacity);
                return;
            }

            if (!_idle.TryGetValue(buffer.Capacity, out var idle))
            {
                _idle[buffer.Capacity] = idle = new Stack<IntPtr>();
            }

            idle.Push(buffer.Pointer);
        }
    }

    /// <summary>Unmaps the idle buffers; later returns unmap theirs at once.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var (size, idle) in _idle)
            {
                while (idle.TryPop(out var pointer))
                {
                    Unmap(pointer, size);
                }
            }
        }
    }

    private void Unmap(IntPtr pointer, int size)
    {
        if (_handle.IsClosed)
        {
            return; // Too late to unmap through libusb; the mapping lives on harmlessly.
        }

        LibUsbNative.DevMemFree(_handle, (byte*)pointer, (nuint)size);
        _mapped -= size;
    }
}
