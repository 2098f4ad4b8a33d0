using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests.Relay;

/// <summary>A relay's lane to the target as a hostile relay would handle it: every byte copied either way is kept, and
/// once <see cref="Tampering"/> is set each write towards the target has one bit flipped.</summary>
internal sealed class WatchedLane(ILane inner) : ILane
{
    private readonly Lock _gate = new();
    private readonly MemoryStream _seen = new();
    private int _writes;

    /// <summary>Whether writes towards the target are spoilt.</summary>
    public bool Tampering { get; set; }

    public uint Id => inner.Id;

    /// <summary>How many writes the relay made towards the target: each is a frame of its own on that hop.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Everything the relay copied, both ways, in the order it passed.</summary>
    public byte[] Seen
    {
        get
        {
            lock (_gate)
            {
                return _seen.ToArray();
            }
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Keep(buffer.Span[..read]);
        return read;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _writes);
        Keep(data.Span);
        if (Tampering && !data.IsEmpty)
        {
            var spoilt = data.ToArray();
            spoilt[spoilt.Length / 2] ^= 0x01;
            data = spoilt;
        }

        return inner.WriteAsync(data, cancellationToken);
    }

    public void Complete() => inner.Complete();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _seen.Write(bytes);
        }
    }
}
