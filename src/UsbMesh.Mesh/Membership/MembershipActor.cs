using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// This node's view of the mesh, kept the way Akka.Cluster keeps it: joins through seed nodes, heartbeats judged by
/// a phi accrual failure detector, reachability observations and member states gossiped as a whole and merged, and
/// the leader's actions (up, down after a long unreachability, removal). Every change is logged and published on the
/// event stream; a member's downing ends death watch of its actors (<see cref="Remoting.NodeDown"/>) and hides its
/// devices. A node that finds itself downed while alive rejoins with a new incarnation.
/// </summary>
public sealed class MembershipActor : ReceiveActor, IWithTimers
{
    private const string HeartbeatTimer = "heartbeat";
    private const string GossipTimer = "gossip";

    /// <summary>Gossip rounds between visits to seeds that are not members (two meshes formed apart merge this way).</summary>
    private const int SeedRevisitTicks = 10;

    private readonly MeshMembership.Settings _settings;
    private readonly NodeId _self;
    private readonly Remoting _remoting;
    private readonly IActorRef _directory;
    private readonly MemberTimeline _timeline = new(TimeProvider.System);
    private readonly FailureDetectorRegistry _detectors;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<string, NodeId> _seeds = new(StringComparer.Ordinal);
    private readonly HashSet<NodeId> _toldDowned = [];
    private readonly Dictionary<string, string> _seedErrors = new(StringComparer.Ordinal);
    private readonly MembershipMetrics _metrics = new();
    private MembershipState _state = MembershipState.Empty;
    private bool _isOwnSeed;
    private bool _leaving;
    private int _ticksSinceSeeds;

    public MembershipActor(MeshMembership.Settings settings, NodeId self, Remoting remoting, IActorRef directory)
    {
        _settings = settings;
        _self = self;
        _remoting = remoting;
        _directory = directory;
        _detectors = new FailureDetectorRegistry(settings.FailureDetector, TimeProvider.System);
        _log = Context.GetLogger();
        Receive<HeartbeatTick>(_ => OnHeartbeatTick());
        Receive<GossipTick>(_ => OnGossipTick());
        Receive<MeshMembership.Heartbeat>(_ => FromPeer(peer =>
        {
            _detectors.Heartbeat(peer);
            TellIfDowned(peer);
        }));
        Receive<MeshMembership.Join>(OnJoin);
        Receive<MeshMembership.Gossip>(gossip => FromPeer(peer =>
        {
            Apply(_state.Merge(MembershipState.FromGossip(gossip.State)));
            TellIfDowned(peer);
        }));
        Receive<SeedReached>(OnSeedReached);
        Receive<SeedFailed>(OnSeedFailed);
        Receive<MeshMembership.Leave>(_ =>
        {
            _leaving = true;
            Apply(_state.Leave(_self));
            // Said at once rather than at the next gossip round: a node leaves because it is about to stop.
            Gossip();
            Sender.Tell(MeshMembership.Leaving.Instance);
        });
        Receive<MeshMembership.GetState>(_ => Sender.Tell(new MeshMembership.CurrentState(_state)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MeshMembership.Settings settings, NodeId self, Remoting remoting, IActorRef directory) =>
        Actors.Props.Create(() => new MembershipActor(settings, self, remoting, directory));

    protected override void PreStart()
    {
        // The start time is the incarnation: a restarted node outranks whatever the mesh remembers of its last run.
        var incarnation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Apply(_state.Join(_self, _settings.NodeName, _settings.Addresses, _settings.RelayCapable, incarnation));
        Timers.StartPeriodicTimer(HeartbeatTimer, HeartbeatTick.Instance, _settings.FailureDetector.HeartbeatInterval);
        Timers.StartPeriodicTimer(GossipTimer, GossipTick.Instance, TimeSpan.Zero, _settings.GossipInterval);
    }

    protected override void PostStop() => _metrics.Clear();

    private void OnHeartbeatTick()
    {
        var heartbeat = new MeshMembership.Heartbeat(SelfMember().Incarnation);
        foreach (var member in OtherActiveMembers())
        {
            Peer(member.Id).Tell(heartbeat, Self);
            var reachable = _state.IsReachableFrom(_self, member.Id);
            if (reachable && !_detectors.IsAvailable(member.Id))
            {
                Apply(_state.MarkUnreachable(_self, member.Id));
            }
            else if (!reachable && _detectors.IsAvailable(member.Id))
            {
                Apply(_state.MarkReachable(_self, member.Id));
            }
        }
    }

    private void OnGossipTick()
    {
        _toldDowned.Clear();
        if (_settings.SeedNodes.Count > 0 && (AloneAndJoining() || ++_ticksSinceSeeds >= SeedRevisitTicks))
        {
            _ticksSinceSeeds = 0;
            ContactSeeds();
        }

        // A node waiting for its seeds does not form a mesh of its own, unless it is the seed it waits for.
        if (!AloneAndJoining() || _isOwnSeed || _settings.SeedNodes.Count == 0)
        {
            _timeline.Observe(_state, _self);
            Apply(LeaderActions.Perform(_state, _self, _timeline, _settings.Membership));
            _state = Tombstones.Prune(_state, _timeline, _settings.Membership.TombstoneTtl);
            _metrics.Report(_state, _self);
        }

        Gossip();
    }

    private void Gossip()
    {
        var gossip = new MeshMembership.Gossip(_state.ToGossip());
        foreach (var member in OtherActiveMembers())
        {
            Peer(member.Id).Tell(gossip, Self);
        }
    }

    private void OnJoin(MeshMembership.Join join) => FromPeer(peer =>
    {
        // A node may only put itself forward.
        if (join.Joiner.Id != peer)
        {
            _log.Warning("Node {0} asked to join on behalf of node {1}; ignored", peer.Short, join.Joiner.Id.Short);
            return;
        }

        Apply(_state.Add(join.Joiner with { Status = MemberStatus.Joining }));
        Sender.Tell(new MeshMembership.Gossip(_state.ToGossip()), Self);
    });

    /// <summary>Asks each seed that is not a member yet, in the background, who it is; the answer comes back as
    /// <see cref="SeedReached"/>.</summary>
    private void ContactSeeds()
    {
        foreach (var seed in _settings.SeedNodes)
        {
            if (_seeds.TryGetValue(seed, out var known) && (known == _self || OtherActiveMembers().Any(m => m.Id == known)))
            {
                continue;
            }

            _remoting.ConnectAsync(seed, CancellationToken.None)
                .ContinueWith(t => t.IsCompletedSuccessfully ? new SeedReached(seed, t.Result) : (object)new SeedFailed(seed, t.Exception!.GetBaseException().Message),
                    TaskScheduler.Default)
                .PipeTo(Self);
        }
    }

    /// <summary>Says why a seed cannot be reached, once per new reason rather than on every retry.</summary>
    private void OnSeedFailed(SeedFailed failed)
    {
        if (!_seedErrors.TryGetValue(failed.Address, out var previous) || previous != failed.Reason)
        {
            _seedErrors[failed.Address] = failed.Reason;
            _log.Warning("Cannot join the mesh through seed node {0}: {1}", failed.Address, failed.Reason);
        }
    }

    private void OnSeedReached(SeedReached reached)
    {
        _seedErrors.Remove(reached.Address);
        _seeds[reached.Address] = reached.Node;
        if (reached.Node == _self)
        {
            _isOwnSeed = true;
            return;
        }

        Peer(reached.Node).Tell(new MeshMembership.Join(SelfMember()), Self);
    }

    private void Apply(MembershipUpdate update)
    {
        _state = update.State;
        if (!update.HasChanges)
        {
            return;
        }

        foreach (var change in update.Changes)
        {
            React(change);
            Context.System.EventStream.Publish(change);
        }

        _timeline.Observe(_state, _self);
        _metrics.Report(_state, _self);
        _remoting.SetRelays(Relays());
        if (SelfMember().Status is MemberStatus.Down or MemberStatus.Removed && !_leaving)
        {
            _log.Warning("The mesh counted this node as {0}; rejoining as a new incarnation", SelfMember().Status);
            // The verdicts this node reached while it was cut off are as stale as the mesh's verdict on it: it forgets
            // the members it holds down, so its gossip does not down the side that stayed together. They come back
            // with the next gossip from any of them, as they are.
            _state = _state.Without([.. _state.Members.Where(m => m.Id != _self && m.Status is MemberStatus.Down or MemberStatus.Removed).Select(m => m.Id)]);
            Apply(_state.Rejoin(_self));
        }
    }

    /// <summary>The relay-capable members that are up, those this node reaches first: remoting's fallback for lanes to
    /// nodes it cannot reach itself.</summary>
    private List<NodeId> Relays() =>
    [
        .. _state.Members
            .Where(m => m.Id != _self && m.RelayCapable && m.Status == MemberStatus.Up)
            .OrderBy(m => _state.IsReachableFrom(_self, m.Id) ? 0 : 1)
            .Select(m => m.Id),
    ];

    private void React(MembershipChange change)
    {
        var member = change.Member;
        var who = $"{member.Name} ({member.Id.Short})";
        switch (change)
        {
            case MemberJoined:
                _log.Info("Member {0} is joining", who);
                Known(member);
                break;
            case MemberUp:
                _log.Info("Member {0} is up", who);
                Known(member);
                _directory.Tell(new MeshDirectory.OriginUp(member.Id));
                break;
            case MemberUnreachable:
                _log.Warning("Member {0} is unreachable", who);
                break;
            case MemberReachable:
                _log.Info("Member {0} is reachable again", who);
                break;
            case MemberLeft:
                _log.Info("Member {0} is leaving", who);
                break;
            case MemberDowned:
                _log.Warning("Member {0} is down", who);
                Gone(member, "downed");
                break;
            case MemberRemoved:
                _log.Info("Member {0} is removed", who);
                Gone(member, "removed");
                break;
        }
    }

    private void Known(Member member)
    {
        if (member.Id == _self)
        {
            return;
        }

        _remoting.AddAddresses(member.Id, member.Addresses);
        // Joining counts as the first heartbeat: a member never heard from afterwards becomes unreachable.
        if (!_detectors.IsMonitoring(member.Id))
        {
            _detectors.Heartbeat(member.Id);
        }
    }

    private void Gone(Member member, string verdict)
    {
        if (member.Id == _self)
        {
            return;
        }

        _detectors.Remove(member.Id);
        _remoting.NodeDown(member.Id, verdict);
        _directory.Tell(new MeshDirectory.OriginDown(member.Id));
    }

    /// <summary>
    /// A node this one counts as down or removed is evidently alive: it is sent this view (once per gossip round), so
    /// that it sees the verdict and rejoins as a new incarnation. After a long partition both sides have downed each
    /// other, and this is how they become one mesh again: the side told first rejoins, forgetting its own verdicts.
    /// </summary>
    private void TellIfDowned(NodeId peer)
    {
        // A node alone in its view was most likely the one cut off: its verdicts on the others are left for them to
        // discover through a join, rather than pushed at every member it hears from.
        if (!OtherActiveMembers().Any())
        {
            return;
        }

        if (_state.Find(peer) is { Status: MemberStatus.Down or MemberStatus.Removed } && _toldDowned.Add(peer))
        {
            Peer(peer).Tell(new MeshMembership.Gossip(_state.ToGossip()), Self);
        }
    }

    private void FromPeer(Action<NodeId> handle)
    {
        if (Sender is RemoteActorRef { Node: var peer })
        {
            handle(peer);
        }
    }

    private IEnumerable<Member> OtherActiveMembers() => _state.Members.Where(m => m.Id != _self && m.Status is MemberStatus.Joining or MemberStatus.Up or MemberStatus.Leaving);

    private bool AloneAndJoining() => SelfMember().Status == MemberStatus.Joining && !OtherActiveMembers().Any();

    private Member SelfMember() => _state.Find(_self)!;

    private IActorRef Peer(NodeId node) => _remoting.ActorFor(node, MeshMembership.ActorPath);

    private sealed record SeedReached(string Address, NodeId Node);

    private sealed record SeedFailed(string Address, string Reason);

    private sealed record HeartbeatTick
    {
        public static readonly HeartbeatTick Instance = new();
    }

    private sealed record GossipTick
    {
        public static readonly GossipTick Instance = new();
    }
}
