namespace UsbMesh.Mesh.Transport;

/// <summary>A lane as a <see cref="Stream"/>, for code written against streams (an inner TLS session, a codec's
/// reader). Disposing completes the lane's sending side.</summary>
/// <remarks>
/// Every write on a lane is a frame of its own. A writer that writes in small pieces and flushes when a message is
/// whole, as TLS does (a large write goes out in pieces of a few records each), can have its writes held until the flush
/// (<see cref="HoldWrites"/>), so that the message crosses as one frame. One writer at a time; reads run beside it.
/// </remarks>
public sealed class LaneStream(ILane lane) : Stream
{
    /// <summary>The most held before it is written out anyway: a 64 KiB URB in TLS records, with room to spare.</summary>
    private const int MaxHeld = 128 * 1024;

    private byte[]? _held;
    private int _length;
    private bool _holding;

    /// <summary>The lane underneath.</summary>
    public ILane Lane { get; } = lane;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Lane.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Lane.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>From now on, writes wait for the next flush (or for more than 128 KiB to be held).</summary>
    public void HoldWrites() => _holding = true;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_length + buffer.Length > MaxHeld)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!_holding || buffer.Length >= MaxHeld)
        {
            await Lane.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        _held ??= new byte[MaxHeld];
        buffer.Span.CopyTo(_held.AsSpan(_length));
        _length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_length > 0)
        {
            // The lane has copied or sent the bytes once its write completes: the buffer is free again.
            await Lane.WriteAsync(_held.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
            _length = 0;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Lane.Complete();
        }

        base.Dispose(disposing);
    }
}
