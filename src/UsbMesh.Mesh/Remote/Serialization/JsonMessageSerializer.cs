using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace UsbMesh.Mesh.Remote.Serialization;

/// <summary>
/// The default serializer: System.Text.Json with source-generated metadata (no reflection, trimming-safe), one
/// <see cref="JsonTypeInfo{T}"/> per registered type.
/// </summary>
public sealed class JsonMessageSerializer : IMessageSerializer
{
    public const ushort SerializerId = 1;

    private readonly Dictionary<string, JsonTypeInfo> _byManifest = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ushort Id => SerializerId;

    internal bool Knows(string manifest) => _byManifest.ContainsKey(manifest);

    internal void Add(string manifest, JsonTypeInfo typeInfo) => _byManifest.Add(manifest, typeInfo);

    /// <inheritdoc/>
    public void Write(object message, string manifest, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, message, _byManifest[manifest]);
    }

    /// <inheritdoc/>
    public object Read(ReadOnlySpan<byte> payload, string manifest)
    {
        if (!_byManifest.TryGetValue(manifest, out var typeInfo))
        {
            throw new MessageSerializationException($"no message type is registered as [{manifest}]");
        }

        try
        {
            return JsonSerializer.Deserialize(payload, typeInfo)
                ?? throw new MessageSerializationException($"a {manifest} message was null");
        }
        catch (JsonException e)
        {
            throw new MessageSerializationException($"a {manifest} message is malformed: {e.Message}", e);
        }
    }
}
