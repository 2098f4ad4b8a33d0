namespace UsbMesh.Mesh.Remote.Wire;

/// <summary>What a frame on an association's control lane carries.</summary>
internal enum FrameKind : byte
{
    /// <summary>An envelope: recipient, sender, serializer id, manifest and payload.</summary>
    Message = 1,

    /// <summary>A remote actor starts watching an actor of the receiving node.</summary>
    Watch = 2,

    /// <summary>It stops watching.</summary>
    Unwatch = 3,

    /// <summary>A watched actor of the sending node has stopped.</summary>
    Terminated = 4,
}
