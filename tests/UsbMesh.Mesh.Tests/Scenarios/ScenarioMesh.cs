using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Protocol;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Tests.Remote;
using UsbMesh.Mesh.Transport;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Tests.Scenarios;

/// <summary>
/// Several nodes in one process over an in-memory network, each a full mesh node (remoting, membership, directory)
/// with timings shortened for tests: heartbeats every 100 ms, gossip every 200 ms, down after 2 s unreachable.
/// </summary>
internal sealed class ScenarioMesh : IAsyncDisposable
{
    public static readonly MeshMembership.Settings MembershipTimings = new(
        "", [], RelayCapable: false, [], TimeSpan.FromMilliseconds(200),
        new FailureDetectorSettings(TimeSpan.FromMilliseconds(100), 8.0, 1000, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100)),
        new MembershipSettings(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10)));

    private readonly Dictionary<string, NodeIdentity> _identities = [];
    private readonly Dictionary<string, ScenarioNode> _nodes = [];

    public InMemoryNetwork Network { get; } = new();

    public ScenarioNode this[string name] => _nodes[name];

    public NodeId IdOf(string name) => Identity(name).Id;

    /// <summary>Starts a node that trusts <paramref name="trusted"/> (every other node when null) and joins through
    /// <paramref name="seeds"/>; <paramref name="system"/> lets a test kit's own system be one of the nodes, and
    /// <paramref name="relayCapable"/> says whether it offers to relay.</summary>
    public async Task<ScenarioNode> StartAsync(string name, string[]? trusted = null, string[]? seeds = null, ActorSystem? system = null, bool relayCapable = false)
    {
        var identity = Identity(name);
        var trust = TrustList.Of((trusted ?? []).Select(t => new TrustedPeer(t, Identity(t).Id, Admin: false, Origin: "test")));
        var node = new ScenarioNode(name, identity, trust, system ?? ActorSystem.Create(name), ownsSystem: system is null);
        node.Remoting = await RemoteTestNode.ListenAsync(Network, Address(name), node.System, identity.Id,
            peer => node.Trust.RefusalOf(peer), MeshMessages.Register(new MessageSerializers()));
        var membership = MembershipTimings with { NodeName = name, Addresses = [Address(name)], SeedNodes = [.. (seeds ?? []).Select(Address)], RelayCapable = relayCapable };
        var directory = new MeshDirectory.Settings(name, [Address(name)], RelayCapable: false, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1));
        node.Mesh = node.System.ActorOf(MeshActor.Props(membership, directory, identity, () => node.Trust, node.Remoting), MeshActor.Name);
        _nodes[name] = node;
        return node;
    }

    public static string Address(string name) => $"mem://{name}";

    /// <summary>The status <paramref name="subject"/> has in <paramref name="viewer"/>'s view (null: unknown there).</summary>
    public async Task<DisplayedStatus?> StatusAsync(string viewer, string subject)
    {
        var state = (await _nodes[viewer].Mesh.Ask<MeshMembership.CurrentState>(MeshMembership.GetState.Instance, TimeSpan.FromSeconds(5))).State;
        return state.DisplayedStatusOf(IdOf(subject), IdOf(viewer));
    }

    /// <summary>The members and reachability rows of <paramref name="viewer"/>'s view, for failure messages.</summary>
    public async Task<string> DescribeAsync(string viewer)
    {
        var state = (await _nodes[viewer].Mesh.Ask<MeshMembership.CurrentState>(MeshMembership.GetState.Instance, TimeSpan.FromSeconds(5))).State;
        string Name(NodeId id) => _identities.FirstOrDefault(e => e.Value.Id == id).Key ?? id.Short;
        var members = state.Members.Select(m => $"{m.Name}#{m.Incarnation % 100000}:{m.Status}");
        var rows = state.Reachability.Select(r => $"{Name(r.Observer)}#{r.ObserverIncarnation % 100000}v{r.Version}[{string.Join(",", r.Records.Select(x => $"{Name(x.Subject)}={x.Status}"))}]");
        return $"members {string.Join(" ", members)}; rows {string.Join(" ", rows)}; leader {(state.LeaderFor(IdOf(viewer)) is { } l ? Name(l) : "none")}";
    }

    /// <summary>The devices <paramref name="viewer"/> is shown.</summary>
    public async Task<IReadOnlyList<VisibleDevice>> VisibleAsync(string viewer) =>
        (await _nodes[viewer].Mesh.Ask<MeshDirectory.Visible>(MeshDirectory.GetVisible.Instance, TimeSpan.FromSeconds(5))).Devices;

    /// <summary>Holds every byte between <paramref name="node"/> and the others, as a partition would.</summary>
    public void Isolate(string node)
    {
        foreach (var other in _nodes.Keys.Where(n => n != node))
        {
            Network.FaultsBetween(Address(node), Address(other)).Partition();
        }
    }

    public void Heal(string node)
    {
        foreach (var other in _nodes.Keys.Where(n => n != node))
        {
            Network.FaultsBetween(Address(node), Address(other)).Heal();
        }
    }

    /// <summary>Kills a node without a word: its listener and connections vanish, its actors stop.</summary>
    public async Task CrashAsync(string name)
    {
        var node = _nodes[name];
        _nodes.Remove(name);
        await node.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }
    }

    public NodeIdentity Identity(string name)
    {
        if (!_identities.TryGetValue(name, out var identity))
        {
            _identities[name] = identity = NodeIdentity.Generate();
        }

        return identity;
    }
}

/// <summary>One node of a <see cref="ScenarioMesh"/>.</summary>
internal sealed class ScenarioNode(string name, NodeIdentity identity, TrustList trust, ActorSystem system, bool ownsSystem) : IAsyncDisposable
{
    public string Name { get; } = name;

    public NodeIdentity Identity { get; } = identity;

    public TrustList Trust { get; set; } = trust;

    public ActorSystem System { get; } = system;

    public Remoting Remoting { get; set; } = null!;

    public IActorRef Mesh { get; set; } = ActorRefs.Nobody;

    public async ValueTask DisposeAsync()
    {
        await Remoting.DisposeAsync();
        if (ownsSystem)
        {
            await System.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
        else
        {
            System.Stop(Mesh);
        }
    }
}
