namespace UsbMesh.Mesh.Transport;

/// <summary>
/// One ordered byte stream of an association: a multiplexed lane over TLS, a stream of a QUIC connection. Flow
/// control is the transport's: a writer waits while the reader at the other end lags too far behind.
/// </summary>
public interface ILane
{
    /// <summary>The lane's number on its association.</summary>
    uint Id { get; }

    /// <summary>Reads what has arrived (waiting for something); 0 once the other side completed the lane.</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="data"/>, waiting as flow control requires.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Tells the other side nothing more will be sent.</summary>
    void Complete();
}
