using System.Buffers;
using System.Runtime.InteropServices;

namespace UsbMesh.UsbIp;

/// <summary>
/// Collects a burst of messages as a list of buffers for one gather write (<c>sendmsg</c> with an iovec): headers and
/// other small writes land in pooled chunks, payloads of <see cref="ReferenceThreshold"/> bytes or more are kept by
/// reference. One system call then sends the burst, however large its payloads.
/// </summary>
/// <remarks>Not thread-safe: one writer loop owns it. <see cref="Reset"/> returns the chunks to the pool.</remarks>
public sealed class GatherWriter : IBufferWriter<byte>, IPayloadWriter
{
    /// <summary>Payloads at least this long are referenced, shorter ones copied (a copy is cheaper than an iovec).</summary>
    public const int ReferenceThreshold = 2048;

    private const int ChunkSize = 16 * 1024;

    private readonly List<ArraySegment<byte>> _segments = [];
    private readonly List<byte[]> _rented = [];
    private byte[]? _chunk;
    private int _chunkStart;
    private int _chunkUsed;

    /// <summary>The buffers written since the last <see cref="Reset"/>, in order.</summary>
    public IList<ArraySegment<byte>> Segments
    {
        get
        {
            SealChunk();
            return _segments;
        }
    }

    /// <summary>Bytes written since the last <see cref="Reset"/>.</summary>
    public long Length { get; private set; }

    /// <summary>How many buffers a gather write would take now (a bound on iovec entries).</summary>
    public int SegmentCount => _segments.Count + (_chunkUsed > _chunkStart ? 1 : 0);

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_chunk is null || _chunkUsed + count > _chunk.Length)
        {
            throw new InvalidOperationException("Advance past the span last handed out.");
        }

        _chunkUsed += count;
        Length += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        var size = Math.Max(sizeHint, 1);
        if (_chunk is null || _chunk.Length - _chunkUsed < size)
        {
            SealChunk();
            _chunk = ArrayPool<byte>.Shared.Rent(Math.Max(size, ChunkSize));
            _rented.Add(_chunk);
            _chunkStart = _chunkUsed = 0;
        }

        return _chunk.AsMemory(_chunkUsed);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <inheritdoc/>
    public void WritePayload(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length >= ReferenceThreshold && MemoryMarshal.TryGetArray(payload, out var array))
        {
            SealChunk();
            _segments.Add(array);
            Length += payload.Length;
            return;
        }

        payload.Span.CopyTo(GetSpan(payload.Length));
        Advance(payload.Length);
    }

    /// <summary>Forgets what was written and gives the chunks back to the pool.</summary>
    public void Reset()
    {
        foreach (var chunk in _rented)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _rented.Clear();
        _segments.Clear();
        _chunk = null;
        _chunkStart = _chunkUsed = 0;
        Length = 0;
    }

    /// <summary>Closes the bytes written into the current chunk as one segment; later writes start a new one.</summary>
    private void SealChunk()
    {
        if (_chunk is not null && _chunkUsed > _chunkStart)
        {
            _segments.Add(new ArraySegment<byte>(_chunk, _chunkStart, _chunkUsed - _chunkStart));
            _chunkStart = _chunkUsed;
        }
    }
}
