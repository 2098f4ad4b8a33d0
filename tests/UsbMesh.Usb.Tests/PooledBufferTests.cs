namespace UsbMesh.Usb.Tests;

public sealed class PooledBufferTests
{
    [Fact]
    public async Task A_returned_array_is_rented_again_even_from_another_thread()
    {
        var first = PooledBuffer.Rent(1 << 20);
        var array = first.Array;
        Assert.True(array.Length >= 1 << 20);

        // Rented on one thread, returned on another: the pool must still find it (one lock-based pool, no per-thread cache).
        await Task.Run(first.Dispose);
        using var second = PooledBuffer.Rent(1 << 20);
        Assert.Same(array, second.Array);
    }

    [Fact]
    public void Disposing_twice_returns_once()
    {
        var buffer = PooledBuffer.Rent(64 << 10);
        buffer.Dispose();
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.Array);
        using var a = PooledBuffer.Rent(64 << 10);
        using var b = PooledBuffer.Rent(64 << 10);
        Assert.NotSame(a.Array, b.Array);
    }
}
