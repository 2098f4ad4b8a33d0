using System.Text.Json.Serialization;
using UsbMesh.Actors;
using UsbMesh.Mesh.Remote.Serialization;

namespace UsbMesh.Mesh.Tests.Remote;

public sealed record Hello(string Text);

public sealed record HelloBack(string Text, IActorRef Echo);

public sealed record Unregistered(string Text);

[JsonSerializable(typeof(Hello))]
[JsonSerializable(typeof(HelloBack))]
[JsonSourceGenerationOptions(Converters = [typeof(ActorRefJsonConverter)])]
internal sealed partial class RemoteTestJson : JsonSerializerContext;

/// <summary>Answers <see cref="Hello"/> with <see cref="HelloBack"/> carrying its own ref.</summary>
internal sealed class Echo : ReceiveActor
{
    public Echo()
    {
        Receive<Hello>(h => Sender.Tell(new HelloBack(h.Text, Self)));
        Receive<byte[]>(b => Sender.Tell(b));
    }
}
