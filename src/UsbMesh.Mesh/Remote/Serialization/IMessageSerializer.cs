using System.Buffers;

namespace UsbMesh.Mesh.Remote.Serialization;

/// <summary>
/// Turns messages of the types registered with it into bytes and back. The manifest names the type on the wire, so
/// that only types registered on the receiving node can be created from what a peer sends.
/// </summary>
public interface IMessageSerializer
{
    /// <summary>The serializer's number in envelopes; fixed for ever once nodes in the field use it.</summary>
    ushort Id { get; }

    /// <summary>Writes <paramref name="message"/>, registered under <paramref name="manifest"/>.</summary>
    void Write(object message, string manifest, IBufferWriter<byte> output);

    /// <summary>Reads a message of the type registered under <paramref name="manifest"/>.</summary>
    /// <exception cref="MessageSerializationException">The bytes are not such a message.</exception>
    object Read(ReadOnlySpan<byte> payload, string manifest);
}

/// <summary>A message could not be written or read; the message says which and why.</summary>
public sealed class MessageSerializationException(string message, Exception? inner = null) : Exception(message, inner);
