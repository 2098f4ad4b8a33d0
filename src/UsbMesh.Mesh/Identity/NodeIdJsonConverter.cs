using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbMesh.Mesh.Identity;

/// <summary>
/// Writes a <see cref="NodeId"/> as its text form and reads it back with <see cref="NodeId.TryParse"/>, as a value
/// and as a dictionary key. Ids arrive from peers, so a bad one is a <see cref="JsonException"/> that says why.
/// </summary>
public sealed class NodeIdJsonConverter : JsonConverter<NodeId>
{
    /// <inheritdoc/>
    public override NodeId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? Parse(reader.GetString())
            : throw new JsonException($"a node id is a string, not {reader.TokenType}");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, NodeId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());

    /// <inheritdoc/>
    public override NodeId ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    /// <inheritdoc/>
    public override void WriteAsPropertyName(Utf8JsonWriter writer, NodeId value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value.ToString());

    private static NodeId Parse(string? text) =>
        NodeId.TryParse(text, out var id, out var error) ? id : throw new JsonException($"[{text}] is not a node id: {error}");
}
