using UsbMesh.Actors;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests.Remote;

/// <summary>A node for remoting tests: an actor system reachable over an in-memory network.</summary>
internal sealed class RemoteTestNode : IAsyncDisposable
{
    public static readonly MultiplexerOptions Quick = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(100), IdleTimeout = TimeSpan.FromSeconds(3) };

    private readonly bool _ownsSystem;

    private RemoteTestNode(ActorSystem system, bool ownsSystem, NodeIdentity identity, string address, Remoting remoting)
    {
        System = system;
        _ownsSystem = ownsSystem;
        Identity = identity;
        Address = address;
        Remoting = remoting;
    }

    public ActorSystem System { get; }

    public NodeIdentity Identity { get; }

    public NodeId Id => Identity.Id;

    public string Address { get; }

    public Remoting Remoting { get; }

    public static async Task<RemoteTestNode> StartAsync(InMemoryNetwork network, string address, ActorSystem? system = null,
        RemotingSettings? settings = null, Func<NodeId, string?>? refusal = null)
    {
        var identity = NodeIdentity.Generate();
        var ownsSystem = system is null;
        system ??= ActorSystem.Create(address.Replace("mem://", ""));
        var serializers = new MessageSerializers()
            .Register("test.hello", RemoteTestJson.Default.Hello)
            .Register("test.hello-back", RemoteTestJson.Default.HelloBack);
        var remoting = await ListenAsync(network, address, system, identity.Id, refusal ?? (_ => null), serializers, settings);
        return new RemoteTestNode(system, ownsSystem, identity, address, remoting);
    }

    /// <summary>Remoting for <paramref name="self"/> over the in-memory network, listening at <paramref name="address"/>,
    /// with reconnection backoff short enough for tests unless <paramref name="settings"/> say otherwise.</summary>
    public static async Task<Remoting> ListenAsync(InMemoryNetwork network, string address, ActorSystem system, NodeId self,
        Func<NodeId, string?> refusal, MessageSerializers serializers, RemotingSettings? settings = null)
    {
        var transport = new InMemoryTransport(network, self, refusal, Quick);
        var remoting = new Remoting(system, self, [transport], serializers,
            settings ?? RemotingSettings.Default with { ReconnectMinBackoff = TimeSpan.FromMilliseconds(50), ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500) });
        await remoting.ListenAsync([address], default);
        return remoting;
    }

    /// <summary>Tells this node where <paramref name="other"/> listens.</summary>
    public void Knows(RemoteTestNode other) => Remoting.AddAddresses(other.Id, [other.Address]);

    public async ValueTask DisposeAsync()
    {
        await Remoting.DisposeAsync();
        if (_ownsSystem)
        {
            await System.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
