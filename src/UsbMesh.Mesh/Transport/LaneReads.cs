namespace UsbMesh.Mesh.Transport;

/// <summary>Reading fixed-size fields from a lane, as handshakes and headers on lanes do.</summary>
public static class LaneReads
{
    /// <summary>Fills <paramref name="buffer"/> from <paramref name="lane"/>, waiting for as many reads as it takes.</summary>
    /// <exception cref="EndOfStreamException">The lane ended first (with <paramref name="endMessage"/>, when given).</exception>
    public static async Task ReadExactlyAsync(this ILane lane, Memory<byte> buffer, CancellationToken cancellationToken, string? endMessage = null)
    {
        ArgumentNullException.ThrowIfNull(lane);
        while (!buffer.IsEmpty)
        {
            var read = await lane.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw endMessage is null ? new EndOfStreamException() : new EndOfStreamException(endMessage);
            }

            buffer = buffer[read..];
        }
    }
}
