using System.Text.Json;
using System.Text.Json.Serialization;
using UsbMesh.Actors;

namespace UsbMesh.Mesh.Remote.Serialization;

/// <summary>
/// Writes an actor ref inside a message as its full path (<c>usbmesh://&lt;node id&gt;/user/a#uid</c>) and reads it
/// back as a ref that works on this node: the local actor when the path names this node, a remote ref otherwise.
/// Only remoting (de)serializes messages, and it says for which node through <see cref="RemoteRefScope"/>.
/// Register it on a source-generated context with <c>[JsonSourceGenerationOptions(Converters = [typeof(ActorRefJsonConverter)])]</c>.
/// </summary>
public sealed class ActorRefJsonConverter : JsonConverter<IActorRef>
{
    /// <inheritdoc/>
    public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        var remoting = RemoteRefScope.Current ?? throw new JsonException("actor refs can only be read by remoting");
        return remoting.ResolveRef(text) ?? throw new JsonException($"[{text}] is not an actor path");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options)
    {
        var remoting = RemoteRefScope.Current ?? throw new JsonException("actor refs can only be written by remoting");
        writer.WriteStringValue(remoting.SerializedPath(value));
    }
}
