namespace UsbMesh.Mesh.Transport;

/// <summary>
/// A <see cref="Stream"/> as a lane, for a byte stream that is not a transport's own lane: the TLS session a relayed
/// lane runs inside. A stream has no half-close of its own, so completing runs <paramref name="complete"/> (a TLS
/// close_notify) after the writes already started; the stream is disposed once the other side has ended too.
/// </summary>
/// <param name="stream">The stream, owned by the lane.</param>
/// <param name="id">The number the lane reports (that of the lane it runs over).</param>
/// <param name="complete">Tells the other side nothing more will be sent.</param>
public sealed class StreamLane(Stream stream, uint id, Func<Stream, Task> complete) : ILane
{
    // Writes are serialised so that the completion never cuts into a write and a stream that allows one writer at
    // a time (SslStream) sees one.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _completed;
    private int _completeSent;
    private int _readEnded;
    private int _disposed;

    /// <inheritdoc/>
    public uint Id => id;

    /// <inheritdoc/>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            EndReading();
            throw;
        }

        if (read == 0 && !buffer.IsEmpty)
        {
            EndReading();
        }

        return read;
    }

    /// <inheritdoc/>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _completed) != 0, this);
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <inheritdoc/>
    public void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _ = CompleteAsync();
        }
    }

    private async Task CompleteAsync()
    {
        await _writing.WaitAsync().ConfigureAwait(false);
        try
        {
            await complete(stream).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The stream broke already: the other side learns of the end from that.
        }
        finally
        {
            Volatile.Write(ref _completeSent, 1);
            _writing.Release();
        }

        DisposeWhenDone();
    }

    private void EndReading()
    {
        Interlocked.Exchange(ref _readEnded, 1);
        DisposeWhenDone();
    }

    private void DisposeWhenDone()
    {
        if (Volatile.Read(ref _readEnded) != 0 && Volatile.Read(ref _completeSent) != 0
            && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = stream.DisposeAsync().AsTask();
        }
    }
}
