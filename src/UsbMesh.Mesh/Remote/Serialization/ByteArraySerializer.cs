using System.Buffers;

namespace UsbMesh.Mesh.Remote.Serialization;

/// <summary>Carries <c>byte[]</c> messages as they are: no encoding cost for opaque payloads.</summary>
public sealed class ByteArraySerializer : IMessageSerializer
{
    public const ushort SerializerId = 2;

    public const string Manifest = "bytes";

    /// <inheritdoc/>
    public ushort Id => SerializerId;

    /// <inheritdoc/>
    public void Write(object message, string manifest, IBufferWriter<byte> output) => output.Write((byte[])message);

    /// <inheritdoc/>
    public object Read(ReadOnlySpan<byte> payload, string manifest) => payload.ToArray();
}
