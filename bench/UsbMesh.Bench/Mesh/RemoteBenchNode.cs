using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Bench.Mesh;

/// <summary>An actor system with remoting over TLS on 127.0.0.1, as a node of the remote benchmark.</summary>
internal sealed class RemoteBenchNode : IAsyncDisposable
{
    private RemoteBenchNode(ActorSystem system, NodeId id, Remoting remoting, string address)
    {
        System = system;
        Id = id;
        Remoting = remoting;
        Address = address;
    }

    public ActorSystem System { get; }

    public NodeId Id { get; }

    public Remoting Remoting { get; }

    /// <summary>Where this node listens (a free port).</summary>
    public string Address { get; }

    public static async Task<RemoteBenchNode> StartAsync(string name)
    {
        var identity = NodeIdentity.Generate();
        var system = ActorSystem.Create(name, ActorSystemSettings.Default with { LogLevel = LogLevel.Warning });
        var transport = new TlsTransport(identity, refusal: _ => null, new MultiplexerOptions(), TimeSpan.FromSeconds(10));
        var serializers = new MessageSerializers()
            .Register("bench.note", RemoteBenchJson.Default.Note)
            .Register("bench.stream-ack", RemoteBenchJson.Default.StreamAck);
        var remoting = new Remoting(system, identity.Id, [transport], serializers, RemotingSettings.Default);
        var bound = await remoting.ListenAsync(["127.0.0.1:0"], default);
        return new RemoteBenchNode(system, identity.Id, remoting, bound[0]);
    }

    /// <summary>A ref to the actor <paramref name="name"/> of <paramref name="other"/>, reached over remoting.</summary>
    public IActorRef Remote(RemoteBenchNode other, string name)
    {
        Remoting.AddAddresses(other.Id, [other.Address]);
        return Remoting.ActorFor(other.Id, $"/user/{name}");
    }

    public async ValueTask DisposeAsync()
    {
        await Remoting.DisposeAsync();
        await System.Terminate();
    }
}
