namespace UsbMesh.UsbIp;

/// <summary>
/// An output that can take a message's data by reference instead of by copy. <see cref="UsbIpWriter"/> hands
/// transfer buffers to it when the output implements this, so a 1 MiB bulk reply reaches the socket as one buffer of
/// a gather write rather than as a copy cut into small pieces.
/// </summary>
public interface IPayloadWriter
{
    /// <summary>
    /// Appends <paramref name="payload"/> after what was written so far. The memory must stay unchanged until the
    /// output has been sent.
    /// </summary>
    /// <param name="payload">The bytes.</param>
    void WritePayload(ReadOnlyMemory<byte> payload);
}
