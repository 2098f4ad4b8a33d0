using System.Diagnostics;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;

namespace UsbMesh.Node.Shell;

/// <summary>
/// Measures the round trip to a peer for <c>peers list</c>: one byte echoed on a lane of its own, beside the
/// remoting traffic. The best of a few exchanges, so a lane's first write (which names the service) does not count.
/// </summary>
internal static class RttProbe
{
    public const string Service = "shell-ping";

    private const int Exchanges = 3;

    /// <summary>Echoes what a peer sends on a probe lane, briefly.</summary>
    public static void Offer(Remoting remoting) =>
        remoting.RegisterLaneService(Service, async (_, lane) =>
        {
            var buffer = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                for (var i = 0; i < Exchanges && await lane.ReadAsync(buffer, timeout.Token).ConfigureAwait(false) > 0; i++)
                {
                    await lane.WriteAsync(buffer, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The prober gave up, or the connection was replaced: nothing to tell anyone.
            }
            finally
            {
                lane.Complete();
            }
        });

    /// <summary>The round trip in milliseconds, or null when the peer did not answer within <paramref name="limit"/>.</summary>
    public static async Task<double?> MeasureAsync(Remoting remoting, NodeId node, TimeSpan limit, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(limit);
        try
        {
            var lane = await remoting.OpenLaneAsync(node, Service, timeout.Token).ConfigureAwait(false);
            try
            {
                var best = double.MaxValue;
                var buffer = new byte[1];
                for (var i = 0; i < Exchanges; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await lane.WriteAsync(new byte[] { 1 }, timeout.Token).ConfigureAwait(false);
                    if (await lane.ReadAsync(buffer, timeout.Token).ConfigureAwait(false) == 0)
                    {
                        return null;
                    }

                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }

                return best;
            }
            finally
            {
                lane.Complete();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // No answer, or the connection was replaced under the probe: no figure this time.
            return null;
        }
    }
}
