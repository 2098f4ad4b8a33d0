namespace UsbMesh.Mesh.Remote.Wire;

/// <summary>
/// One decoded control-lane frame. <see cref="Target"/> is the actor of the receiving node the frame is about
/// (the recipient, the watchee, the watcher told of a death); <see cref="Origin"/> the actor of the sending node (the
/// sender, the watcher, the actor that died). Both are full paths; an empty origin means no sender.
/// </summary>
internal readonly record struct RemoteFrame(
    FrameKind Kind,
    string Target,
    string Origin,
    ushort SerializerId = 0,
    string Manifest = "",
    ReadOnlyMemory<byte> Payload = default,
    bool ExistenceConfirmed = false);
