using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Relay;

/// <summary>
/// A relayed lane as the stream under its end-to-end TLS session, holding what TLS writes until TLS flushes. TLS writes
/// every record (16 KiB of data at most) on its own, and every write on a lane is a frame of its own on each hop: a
/// 64 KiB URB would cross as five frames, each a transport write and a wake-up on the origin, the relay and the target,
/// and each cut by that hop's TLS into a full record and a sliver. Held together, one write of the session crosses as
/// one frame. Writes pass straight through until <see cref="HoldWrites"/>: the handshake writes without flushing.
/// </summary>
/// <remarks>One writer at a time, as under <see cref="System.Net.Security.SslStream"/>; reads run beside it.</remarks>
internal sealed class HeldWritesLaneStream(ILane lane) : Stream
{
    /// <summary>The most held before it is written out anyway: a 64 KiB URB's records with room to spare.</summary>
    private const int MaxHeld = 128 * 1024;

    private byte[]? _held;
    private int _length;
    private bool _holding;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>From now on, writes wait for the next flush (TLS flushes after each write of the session's, and the
    /// lane over the session flushes after the close_notify).</summary>
    public void HoldWrites() => _holding = true;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => lane.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        lane.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_length + buffer.Length > MaxHeld)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!_holding || buffer.Length >= MaxHeld)
        {
            await lane.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        _held ??= new byte[MaxHeld];
        buffer.Span.CopyTo(_held.AsSpan(_length));
        _length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_length > 0)
        {
            // The lane has copied or sent the bytes once its write completes: the buffer is free again.
            await lane.WriteAsync(_held.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
            _length = 0;
        }
    }

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lane.Complete();
        }

        base.Dispose(disposing);
    }
}
