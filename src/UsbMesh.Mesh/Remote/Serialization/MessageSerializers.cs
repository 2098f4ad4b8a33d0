using System.Text.Json.Serialization.Metadata;

namespace UsbMesh.Mesh.Remote.Serialization;

/// <summary>
/// The registry of message types a node sends and accepts, each bound to a serializer and a manifest (a short, stable
/// name — never a CLR type name, so a peer cannot make this node create an arbitrary type). Registration happens at
/// start-up, before the node talks to anyone; afterwards the registry is only read.
/// </summary>
public sealed class MessageSerializers
{
    private readonly Dictionary<Type, (IMessageSerializer Serializer, string Manifest)> _byType = [];
    private readonly Dictionary<ushort, IMessageSerializer> _byId = [];
    private readonly JsonMessageSerializer _json = new();

    public MessageSerializers()
    {
        _byId[_json.Id] = _json;
        var bytes = new ByteArraySerializer();
        _byId[bytes.Id] = bytes;
        _byType[typeof(byte[])] = (bytes, ByteArraySerializer.Manifest);
    }

    /// <summary>Registers <typeparamref name="T"/> with the JSON serializer under <paramref name="manifest"/>.</summary>
    /// <exception cref="ArgumentException">The type or the manifest is registered already.</exception>
    public MessageSerializers Register<T>(string manifest, JsonTypeInfo<T> typeInfo)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifest);
        if (_byType.ContainsKey(typeof(T)))
        {
            throw new ArgumentException($"{typeof(T).Name} is registered already", nameof(typeInfo));
        }

        if (_json.Knows(manifest) || manifest == ByteArraySerializer.Manifest)
        {
            throw new ArgumentException($"the manifest [{manifest}] is taken", nameof(manifest));
        }

        _json.Add(manifest, typeInfo);
        _byType[typeof(T)] = (_json, manifest);
        return this;
    }

    /// <summary>The serializer and manifest for <paramref name="message"/>.</summary>
    /// <exception cref="MessageSerializationException">Its type is not registered.</exception>
    public (IMessageSerializer Serializer, string Manifest) For(object message) =>
        _byType.TryGetValue(message.GetType(), out var registration)
            ? registration
            : throw new MessageSerializationException(
                $"{message.GetType().FullName} cannot be sent to another node: no serializer is registered for it");

    /// <summary>Reads a message from a peer.</summary>
    /// <exception cref="MessageSerializationException">Unknown serializer or manifest, or bytes that do not fit.</exception>
    public object Read(ushort serializerId, string manifest, ReadOnlySpan<byte> payload)
    {
        if (!_byId.TryGetValue(serializerId, out var serializer))
        {
            throw new MessageSerializationException($"no serializer has id {serializerId}");
        }

        return serializer.Read(payload, manifest);
    }
}
