using System.Buffers;

namespace UsbMesh.Usb;

/// <summary>
/// An array rented for one transfer; disposing returns it, once. Large IN transfers complete into such arrays so that
/// a megabyte read is neither allocated nor copied again on its way out.
/// </summary>
/// <remarks>
/// The pool is one shared, lock-based pool rather than <see cref="ArrayPool{T}.Shared"/>: a transfer's buffer is
/// rented on one thread (the pipe's) and returned on another (the socket writer's), and the shared pool's
/// per-thread caches would then keep the returned arrays where the renting thread never looks, so every megabyte
/// URB would allocate anew. It keeps at most <see cref="ArraysPerSize"/> arrays of each size up to
/// <see cref="LargestPooled"/>; longer ones are allocated and left to the garbage collector.
/// </remarks>
public sealed class PooledBuffer : IDisposable
{
    /// <summary>Longest array the pool keeps (a USB/IP transfer is rarely longer).</summary>
    public const int LargestPooled = 1 << 20;

    /// <summary>Arrays kept per size class.</summary>
    public const int ArraysPerSize = 16;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(LargestPooled, ArraysPerSize);

    private byte[]? _array;

    private PooledBuffer(byte[] array) => _array = array;

    /// <summary>The rented array (at least the length asked for; bytes past what was written are stale).</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBuffer));

    /// <summary>Rents an array of at least <paramref name="minimumLength"/> bytes.</summary>
    /// <param name="minimumLength">Bytes needed.</param>
    public static PooledBuffer Rent(int minimumLength) => new(Pool.Rent(minimumLength));

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            Pool.Return(array);
        }
    }
}
