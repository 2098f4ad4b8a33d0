using System.Collections.Concurrent;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Relay;
using UsbMesh.Mesh.Tls;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Remote;

/// <summary>Relaying (docs/adr/0015): lanes to nodes this node cannot reach, through a third node that reaches both.</summary>
public sealed partial class Remoting
{
    private volatile IReadOnlyList<NodeId> _relays = [];
    private volatile RelayedLanes? _relayedLanes;

    /// <summary>Which relay last carried a lane to each node: while the node stays unreachable, the next lane goes
    /// there at once instead of waiting for a direct connection again.</summary>
    private readonly ConcurrentDictionary<NodeId, NodeId> _relayedThrough = new();

    /// <summary>The relays this node may use, in order of preference.</summary>
    public IReadOnlyList<NodeId> Relays => _relays;

    /// <summary>Sets the relays this node may use (the relay-capable members that are up), in order of preference.</summary>
    /// <param name="relays">The relays' ids; this node's own is ignored.</param>
    public void SetRelays(IReadOnlyList<NodeId> relays) => _relays = [.. relays.Where(r => r != SelfNode).Distinct()];

    /// <summary>
    /// Lets lanes run through relays: this node accepts lanes relayed to it (the <c>relayed</c> service) and
    /// <see cref="OpenLaneAsync"/> falls back to relays. Each relayed lane runs identity-bound TLS end to end.
    /// </summary>
    /// <param name="identity">This node's identity, which the end-to-end TLS proves.</param>
    /// <param name="refusal">The trust list: why an origin may not reach this node through a relay, or null.</param>
    public void EnableRelayedLanes(NodeIdentity identity, Func<NodeId, string?> refusal)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var relayed = new RelayedLanes(this, IdentityCertificate.Create(identity), refusal);
        RegisterLaneService(RelayWire.RelayedService, relayed.AcceptAsync);
        _relayedLanes = relayed;
    }

    /// <summary>Offers to relay for others (the <c>relay</c> service) as <paramref name="policy"/> allows; a peer
    /// refused is told why.</summary>
    /// <param name="policy">Whom this node relays for.</param>
    public void OfferRelay(RelayPolicy policy) => OfferRelay(policy, tap: null);

    /// <summary>Opens a lane to <paramref name="node"/>'s <paramref name="service"/> through <paramref name="relay"/>,
    /// whatever the direct connection does.</summary>
    /// <exception cref="InvalidOperationException">Relayed lanes are not enabled.</exception>
    /// <exception cref="RelayRefusedException">The relay would not connect the two, and said why.</exception>
    /// <exception cref="PeerRefusedException">The node refused this one, or another node answered.</exception>
    public Task<ILane> OpenLaneThroughAsync(NodeId relay, NodeId node, string service, CancellationToken cancellationToken)
    {
        var relayed = _relayedLanes ?? throw new InvalidOperationException("relayed lanes are not enabled (EnableRelayedLanes)");
        return relayed.ConnectAsync(relay, node, service, cancellationToken);
    }

    /// <param name="policy">Whom this node relays for.</param>
    /// <param name="tap">Wraps each lane to a target, for tests that watch or spoil what a relay copies.</param>
    internal void OfferRelay(RelayPolicy policy, Func<ILane, ILane>? tap) =>
        RegisterLaneService(RelayWire.RelayService, new RelayServer(this, policy, tap).ServeAsync);

    /// <summary>
    /// A direct lane if a connection comes up within <see cref="RemotingSettings.RelayAfter"/>, else the first relay
    /// that gets through; while neither works, both keep being tried (the endpoint reconnects on its own, the relays
    /// once per <see cref="RemotingSettings.RelayAfter"/>) until cancelled.
    /// </summary>
    private async Task<ILane> OpenDirectOrRelayedLaneAsync(NodeId node, string service, CancellationToken cancellationToken)
    {
        using var directCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var direct = OpenDirectLaneAsync(node, service, directCancel.Token);
        var wait = IsConnectedTo(node) || !_relayedThrough.ContainsKey(node) ? Settings.RelayAfter : TimeSpan.Zero;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.WhenAny(direct, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
            }

            if (direct.IsCompletedSuccessfully)
            {
                _relayedThrough.TryRemove(node, out _);
                return direct.Result;
            }

            if (direct.IsCompleted)
            {
                return await direct.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            wait = Settings.RelayAfter;
            foreach (var relay in RelayCandidates(node))
            {
                try
                {
                    var lane = await _relayedLanes!.ConnectAsync(relay, node, service, cancellationToken).ConfigureAwait(false);
                    if (!_relayedThrough.TryGetValue(node, out var previous) || previous != relay)
                    {
                        System.Log.Info("Node {0} is reached through relay {1}", node.Short, relay.Short);
                    }

                    _relayedThrough[node] = relay;
                    Abandon(direct, directCancel);
                    return lane;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Said once per lane asked for: a relay that keeps refusing would otherwise fill the log.
                    if (reported.Add($"{relay}: {e.Message}"))
                    {
                        System.Log.Warning("Cannot reach node {0} through relay {1}: {2}", node.Short, relay.Short, e.Message);
                    }
                }
            }
        }
    }

    /// <summary>The relays to try for <paramref name="node"/>: the one used last first, then those connected now
    /// (a relay not connected would only make the attempt wait). The others are asked to connect for next time.</summary>
    private List<NodeId> RelayCandidates(NodeId node)
    {
        var candidates = new List<NodeId>();
        var last = _relayedThrough.TryGetValue(node, out var used) ? used : default;
        foreach (var relay in _relays.Where(r => r != node).OrderBy(r => r == last ? 0 : 1))
        {
            if (IsConnectedTo(relay))
            {
                candidates.Add(relay);
            }
            else
            {
                _ = EndpointFor(relay);
            }
        }

        return candidates;
    }

    private bool IsConnectedTo(NodeId node) => _endpoints.TryGetValue(node, out var endpoint) && endpoint.IsConnected;

    /// <summary>Stops waiting for a direct lane; one that opened anyway is closed unused.</summary>
    private static void Abandon(Task<ILane> direct, CancellationTokenSource directCancel)
    {
        directCancel.Cancel();
        _ = direct.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                t.Result.Complete();
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
