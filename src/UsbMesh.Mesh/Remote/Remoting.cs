using System.Collections.Concurrent;
using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Remote;

/// <summary>
/// Makes actors of other nodes reachable like local ones, in Akka.Remote's manner: refs whose address names a node
/// (<c>usbmesh://&lt;node id&gt;/user/a</c>), envelopes serialized through a registry, one endpoint per peer that
/// queues while the peer is away and reconnects with backoff, and death watch across nodes. The node's address is
/// its id, not where it listens: a peer is the same peer on any network.
/// </summary>
public sealed partial class Remoting : IAsyncDisposable
{
    private const string Protocol = "usbmesh";

    private readonly IReadOnlyList<ITransport> _transports;
    private readonly MessageSerializers _serializers;
    private readonly ConcurrentDictionary<NodeId, PeerEndpoint> _endpoints = new();

    /// <summary>Where each peer was said to be reachable; kept across <see cref="NodeDown"/>, so that a node that comes
    /// back can be reached again.</summary>
    private readonly ConcurrentDictionary<NodeId, string[]> _addresses = new();
    private readonly RemoteWatches _watches = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _selfSystem;
    private int _disposed;

    /// <param name="system">The actor system whose actors become reachable.</param>
    /// <param name="self">This node's id (as its transports prove it).</param>
    /// <param name="transports">Transports in order of preference; a connection tries each in turn.</param>
    /// <param name="serializers">The message types this node sends and accepts.</param>
    /// <param name="settings">Limits and timing.</param>
    public Remoting(ActorSystem system, NodeId self, IReadOnlyList<ITransport> transports, MessageSerializers serializers, RemotingSettings settings)
    {
        System = (ActorSystemImpl)system;
        SelfNode = self;
        _transports = transports;
        _serializers = serializers;
        Settings = settings;
        _selfSystem = self.ToString();
        SelfAddress = new Address(Protocol, _selfSystem);
        LaneServices = new LaneServices(system);
    }

    public NodeId SelfNode { get; }

    /// <summary>The address of this node's actors as other nodes see them.</summary>
    public Address SelfAddress { get; }

    public RemotingSettings Settings { get; }

    /// <summary>The nodes with a live connection now.</summary>
    public IReadOnlyCollection<NodeId> ConnectedNodes => [.. _endpoints.Values.Where(e => e.IsConnected).Select(e => e.Node)];

    internal ActorSystemImpl System { get; }

    internal LaneServices LaneServices { get; }

    /// <summary>Cancelled when remoting stops.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Offers a lane service: each lane a peer opens for <paramref name="service"/> is handed to
    /// <paramref name="handler"/> with the peer's id, which the transport proved.
    /// </summary>
    public void RegisterLaneService(string service, Func<NodeId, ILane, Task> handler) => LaneServices.Register(service, handler);

    /// <summary>
    /// Opens a lane to <paramref name="node"/> for its <paramref name="service"/>, beside the actor messages: waits
    /// for a connection (the node's addresses must be known, or it must connect here) until cancelled. Once relayed
    /// lanes are enabled (<see cref="EnableRelayedLanes"/>), a node not connected within
    /// <see cref="RemotingSettings.RelayAfter"/> is reached through a relay (<see cref="SetRelays"/>) instead.
    /// </summary>
    public Task<ILane> OpenLaneAsync(NodeId node, string service, CancellationToken cancellationToken)
    {
        if (node == SelfNode)
        {
            throw new ArgumentException("A lane leads to another node", nameof(node));
        }

        return _relayedLanes is null
            ? OpenDirectLaneAsync(node, service, cancellationToken)
            : OpenDirectOrRelayedLaneAsync(node, service, cancellationToken);
    }

    /// <summary>Opens a lane over a connection of this node's own to <paramref name="node"/>, never through a relay.</summary>
    internal async Task<ILane> OpenDirectLaneAsync(NodeId node, string service, CancellationToken cancellationToken)
    {
        var lane = await EndpointFor(node).OpenLaneAsync(cancellationToken).ConfigureAwait(false);
        await LaneServices.AnnounceAsync(lane, service, cancellationToken).ConfigureAwait(false);
        return lane;
    }

    /// <summary>Listens at each address on every transport; returns the addresses bound.</summary>
    public async Task<IReadOnlyList<string>> ListenAsync(IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        var bound = new List<string>();
        foreach (var address in addresses)
        {
            foreach (var transport in _transports)
            {
                bound.Add(await transport.ListenAsync(address, OnInboundAsync, cancellationToken).ConfigureAwait(false));
            }
        }

        return bound;
    }

    /// <summary>A ref to the actor at <paramref name="path"/> (<c>/system/mesh</c>) of <paramref name="node"/>.</summary>
    public IActorRef ActorFor(NodeId node, string path)
    {
        if (node == SelfNode)
        {
            return System.ResolveLocal(path.Split('/', StringSplitOptions.RemoveEmptyEntries), 0) ?? (IActorRef)System.DeadLettersRef;
        }

        var parsed = ActorPath.TryParse($"{Protocol}://{node}{path}", out var actorPath) ? actorPath! : throw new ArgumentException($"[{path}] is not an actor path", nameof(path));
        return new RemoteActorRef(this, node, parsed);
    }

    /// <summary>Remembers where <paramref name="node"/> can be reached; its endpoint connects there when it must.</summary>
    public void AddAddresses(NodeId node, IEnumerable<string> addresses)
    {
        if (node != SelfNode)
        {
            var added = addresses.ToArray();
            _addresses.AddOrUpdate(node, added, (_, known) => [.. known.Union(added, StringComparer.Ordinal)]);
            EndpointFor(node).AddAddresses(added);
        }
    }

    /// <summary>Connects to whatever node listens at <paramref name="address"/> (a seed) and returns its id.</summary>
    /// <exception cref="TransportException">No transport reached a trusted node there.</exception>
    public async Task<NodeId> ConnectAsync(string address, CancellationToken cancellationToken)
    {
        var link = await OpenLinkAsync([address], expected: null, cancellationToken).ConfigureAwait(false);
        var node = link.Association.RemoteNode;
        if (node == SelfNode)
        {
            link.End("that is this node");
            return node;
        }

        AddAddresses(node, [address]);
        EndpointFor(node).Adopt(link);
        return node;
    }

    /// <summary>
    /// Declares <paramref name="node"/> dead (the failure detector's or an operator's verdict): every local watcher of
    /// its actors gets <see cref="Terminated"/> with <c>AddressTerminated</c>, queued messages are dropped and the
    /// connection closes. Messages sent to it later start afresh, so a node that comes back is reachable again.
    /// </summary>
    public void NodeDown(NodeId node, string reason)
    {
        var connected = _endpoints.TryRemove(node, out var endpoint);
        if (connected)
        {
            _ = endpoint!.DisposeAsync().AsTask();
        }

        var watches = _watches.TakeAll(node);
        foreach (var (watchee, watcher) in watches)
        {
            watcher.SendSystemMessage(new DeathWatchNotification(watchee, ExistenceConfirmed: true, AddressTerminated: true));
        }

        // A second verdict on a node already let go (removed after down) has nothing left to end: said once.
        if (connected || watches.Count > 0)
        {
            System.Log.Info("Node {0} is down ({1}): its actors count as terminated", node.Short, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        foreach (var transport in _transports)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_endpoints.Values.Select(e => e.DisposeAsync().AsTask())).ConfigureAwait(false);
        _endpoints.Clear();
    }

    internal void Publish(object @event) => System.EventStream.Publish(@event);

    /// <summary>Tries every transport and address once; true when a link was adopted.</summary>
    internal async Task<bool> TryConnectAsync(PeerEndpoint endpoint, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        try
        {
            endpoint.Adopt(await OpenLinkAsync(addresses, endpoint.Node, cancellationToken).ConfigureAwait(false));
            return true;
        }
        catch (TransportException e)
        {
            System.Log.Debug("Cannot reach node {0} yet: {1}", endpoint.Node.Short, e.Message);
            return false;
        }
    }

    private async Task<PeerLink> OpenLinkAsync(IReadOnlyList<string> addresses, NodeId? expected, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var transport in _transports)
        {
            foreach (var address in addresses)
            {
                try
                {
                    var association = await transport.AssociateAsync(address, expected, cancellationToken).ConfigureAwait(false);
                    var control = await association.OpenLaneAsync(cancellationToken).ConfigureAwait(false);
                    return new PeerLink(association, control, initiatedHere: true);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failures.Add($"{transport.Scheme}://{address}: {e.Message}");
                }
            }
        }

        throw new TransportException(string.Join("; ", failures));
    }

    /// <summary>Takes an inbound association without holding up the transport, which may wait for this to return
    /// before the connecting side sees its association (and opens the control lane).</summary>
    private Task OnInboundAsync(IAssociation association)
    {
        _ = AdoptInboundAsync(association);
        return Task.CompletedTask;
    }

    private async Task AdoptInboundAsync(IAssociation association)
    {
        try
        {
            // The node that opened the association opens the control lane first.
            var control = await association.AcceptLaneAsync(_stopping.Token).ConfigureAwait(false);
            if (association.RemoteNode == SelfNode)
            {
                await association.DisposeAsync().ConfigureAwait(false);
                return;
            }

            EndpointFor(association.RemoteNode).Adopt(new PeerLink(association, control, initiatedHere: false));
        }
        catch (Exception e)
        {
            System.Log.Debug("An inbound connection from {0} ended before it carried anything: {1}", association.RemoteNode.Short, e.Message);
            await association.DisposeAsync().ConfigureAwait(false);
        }
    }

    private PeerEndpoint EndpointFor(NodeId node)
    {
        if (_endpoints.TryGetValue(node, out var existing))
        {
            return existing;
        }

        var created = new PeerEndpoint(this, node);
        if (_addresses.TryGetValue(node, out var known))
        {
            created.AddAddresses(known);
        }

        var endpoint = _endpoints.GetOrAdd(node, created);
        if (ReferenceEquals(endpoint, created))
        {
            if (_stopping.IsCancellationRequested)
            {
                _ = created.DisposeAsync().AsTask();
            }
            else
            {
                created.Start();
            }
        }

        return endpoint;
    }
}
