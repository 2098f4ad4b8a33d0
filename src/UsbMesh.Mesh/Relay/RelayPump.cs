using System.Buffers;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Relay;

/// <summary>
/// Copies bytes both ways between the origin's lane and the target's, one bounded buffer per direction: a copy waits
/// for its write (the lanes' flow control) before it reads again, so a slow side holds the fast one back instead of
/// filling the relay's memory. An end on one side is passed on to the other (a half-close, as on a direct lane);
/// a failure of either side, or the relay stopping, ends both.
/// </summary>
internal static class RelayPump
{
    /// <summary>Room for what one write of a relayed session puts on the lane (a 64 KiB URB in full TLS records, which
    /// <see cref="LaneStream.HoldWrites"/> sends together): each read is passed on as one write, one frame on the next hop.</summary>
    private const int BufferSize = 128 * 1024;

    /// <summary>Copies until both directions have ended.</summary>
    public static async Task RunAsync(ILane origin, ILane target, CancellationToken stopping)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        await Task.WhenAll(CopyAsync(origin, target, failed), CopyAsync(target, origin, failed)).ConfigureAwait(false);
    }

    private static async Task CopyAsync(ILane from, ILane to, CancellationTokenSource failed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer.AsMemory(0, BufferSize), failed.Token).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), failed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Whatever broke, the other direction is cut too: the other copy's read or write is cancelled, and its
            // finally completes the lane this copy read from.
            failed.Cancel();
        }
        finally
        {
            to.Complete();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
