using UsbMesh.Mesh.Relay;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Tests.Remote;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests.Relay;

/// <summary>
/// Three nodes over the in-memory network: the origin and the target cannot reach each other (their pair is
/// partitioned, though each knows where the other listens), the relay reaches both. The origin uses the relay, both
/// ends accept relayed lanes, and a lane is relayed after 300 ms without a direct connection.
/// </summary>
internal sealed class RelayTestMesh : IAsyncDisposable
{
    private static readonly RemotingSettings Quick = RemotingSettings.Default with
    {
        ReconnectMinBackoff = TimeSpan.FromMilliseconds(50),
        ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500),
        RelayAfter = TimeSpan.FromMilliseconds(300),
    };

    private RelayTestMesh(InMemoryNetwork network, RemoteTestNode origin, RemoteTestNode relay, RemoteTestNode target)
    {
        Network = network;
        Origin = origin;
        Relay = relay;
        Target = target;
    }

    public InMemoryNetwork Network { get; }

    public RemoteTestNode Origin { get; }

    public RemoteTestNode Relay { get; }

    public RemoteTestNode Target { get; }

    /// <summary>Starts the three nodes; <paramref name="targetTrusts"/> is the target's trust list for relayed origins.</summary>
    public static async Task<RelayTestMesh> StartAsync(Func<NodeId, string?>? targetTrusts = null)
    {
        var network = new InMemoryNetwork();
        network.FaultsBetween("mem://origin", "mem://target").Partition();
        var origin = await RemoteTestNode.StartAsync(network, "mem://origin", settings: Quick);
        var relay = await RemoteTestNode.StartAsync(network, "mem://relay", settings: Quick);
        var target = await RemoteTestNode.StartAsync(network, "mem://target", settings: Quick);
        origin.Knows(relay);
        origin.Knows(target);
        relay.Knows(target);
        origin.Remoting.EnableRelayedLanes(origin.Identity, _ => null);
        target.Remoting.EnableRelayedLanes(target.Identity, targetTrusts ?? (_ => null));
        origin.Remoting.SetRelays([relay.Id]);
        return new RelayTestMesh(network, origin, relay, target);
    }

    /// <summary>Lets the relay relay as <paramref name="policy"/> says (for everyone by default); returns the watched
    /// lane to the target of the latest relayed connection, once there is one.</summary>
    public Func<WatchedLane?> OfferRelay(RelayPolicy? policy = null)
    {
        WatchedLane? last = null;
        Relay.Remoting.OfferRelay(policy ?? new RelayPolicy(true, _ => true), lane => last = new WatchedLane(lane));
        return () => last;
    }

    public async ValueTask DisposeAsync()
    {
        await Origin.DisposeAsync();
        await Relay.DisposeAsync();
        await Target.DisposeAsync();
    }
}
