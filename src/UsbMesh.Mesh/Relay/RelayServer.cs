using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Relay;

/// <summary>
/// The relay's side (the <c>relay</c> lane service): a peer names the node it cannot reach; if the policy lets that
/// peer relay here and this node reaches the target directly, it opens a <c>relayed</c> lane to the target naming the
/// peer as the origin, tells the peer, and copies bytes between the two lanes. It never holds a key to what it copies.
/// </summary>
/// <param name="remoting">This node's remoting.</param>
/// <param name="policy">Whom this node relays for.</param>
/// <param name="tap">Wraps the lane to the target (tests watch or spoil the bytes there); null in a node.</param>
internal sealed class RelayServer(Remoting remoting, RelayPolicy policy, Func<ILane, ILane>? tap)
{
    /// <summary>How long a peer may take to name the target.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long this node waits for a connection to the target before it says it cannot reach it.</summary>
    private static readonly TimeSpan ReachTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Serves one <c>relay</c> lane opened by <paramref name="origin"/>.</summary>
    public async Task ServeAsync(NodeId origin, ILane fromOrigin)
    {
        var log = remoting.System.Log;
        NodeId target;
        try
        {
            using var timeout = new CancellationTokenSource(RequestTimeout);
            target = await RelayWire.ReadNodeAsync(fromOrigin, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException or ArgumentException)
        {
            log.Debug("A relay lane from node {0} closed before it named its target", origin.Short);
            fromOrigin.Complete();
            return;
        }

        var refusal = policy.RefusalOf(origin)
            ?? (target == remoting.SelfNode ? "this node is the target: connect to it directly" : null)
            ?? (target == origin ? "a node does not relay to itself" : null);
        ILane? toTarget = null;
        if (refusal is null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(ReachTimeout);
                toTarget = await remoting.OpenDirectLaneAsync(target, RelayWire.RelayedService, timeout.Token).ConfigureAwait(false);
                await RelayWire.WriteNodeAsync(toTarget, origin, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                toTarget?.Complete();
                toTarget = null;
                refusal = $"this relay cannot reach node {target.Short} ({(e is OperationCanceledException ? $"no connection within {ReachTimeout.TotalSeconds:0.#} s" : e.Message)})";
            }
        }

        try
        {
            using var timeout = new CancellationTokenSource(RequestTimeout);
            await RelayWire.WriteAnswerAsync(fromOrigin, refusal, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            log.Debug("Node {0} left before the relay answered: {1}", origin.Short, e.Message);
            toTarget?.Complete();
            fromOrigin.Complete();
            return;
        }

        if (toTarget is null)
        {
            log.Info("Refused to relay from node {0} to node {1}: {2}", origin.Short, target.Short, refusal!);
            fromOrigin.Complete();
            return;
        }

        log.Debug("Relaying from node {0} to node {1}", origin.Short, target.Short);
        await RelayPump.RunAsync(fromOrigin, tap is null ? toTarget : tap(toTarget), remoting.Stopping).ConfigureAwait(false);
        log.Debug("Relaying from node {0} to node {1} ended", origin.Short, target.Short);
    }
}
