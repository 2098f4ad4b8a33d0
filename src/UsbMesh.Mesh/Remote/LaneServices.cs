using System.Collections.Concurrent;
using System.Text;
using UsbMesh.Actors;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Remote;

/// <summary>
/// Lanes beside the remoting control lane, for traffic that must not queue behind actor messages (a device session's
/// USB/IP PDUs, a relayed connection). The node that opens a lane names the service first — one length byte and the
/// name in UTF-8 — and the other node hands the lane to the handler registered under that name.
/// </summary>
internal sealed class LaneServices(ActorSystem system)
{
    /// <summary>How long an opened lane may take to name its service before it is closed.</summary>
    private static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Func<NodeId, ILane, Task>> _handlers = new(StringComparer.Ordinal);

    public void Register(string service, Func<NodeId, ILane, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        if (Encoding.UTF8.GetByteCount(service) > byte.MaxValue)
        {
            throw new ArgumentException($"A lane service name takes at most {byte.MaxValue} bytes: [{service}]", nameof(service));
        }

        _handlers[service] = handler;
    }

    /// <summary>Names <paramref name="service"/> on a lane this node opened.</summary>
    public static async Task AnnounceAsync(ILane lane, string service, CancellationToken cancellationToken)
    {
        var name = Encoding.UTF8.GetBytes(service);
        var header = new byte[1 + name.Length];
        header[0] = (byte)name.Length;
        name.CopyTo(header, 1);
        await lane.WriteAsync(header, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the service name of a lane <paramref name="peer"/> opened and runs its handler.</summary>
    public async Task ServeAsync(NodeId peer, ILane lane, CancellationToken cancellationToken)
    {
        string service;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(HeaderTimeout);
            var length = new byte[1];
            await lane.ReadExactlyAsync(length, timeout.Token).ConfigureAwait(false);
            var name = new byte[length[0]];
            await lane.ReadExactlyAsync(name, timeout.Token).ConfigureAwait(false);
            service = Encoding.UTF8.GetString(name);
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException)
        {
            system.Log.Debug("A lane from node {0} closed before it named its service", peer.Short);
            lane.Complete();
            return;
        }

        if (!_handlers.TryGetValue(service, out var handler))
        {
            system.Log.Warning("Node {0} opened a lane for service [{1}], which this node does not offer; closed", peer.Short, service);
            lane.Complete();
            return;
        }

        try
        {
            await handler(peer, lane).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            system.Log.Warning("Service [{0}] failed on a lane from node {1}: {2}", service, peer.Short, e.Message);
            lane.Complete();
        }
    }
}
