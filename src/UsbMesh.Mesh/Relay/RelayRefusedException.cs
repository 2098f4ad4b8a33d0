namespace UsbMesh.Mesh.Relay;

/// <summary>A relay would not connect this node to the node asked for; the message says why.</summary>
/// <param name="message">The relay's reason, with the relay named.</param>
public sealed class RelayRefusedException(string message) : Exception(message);
