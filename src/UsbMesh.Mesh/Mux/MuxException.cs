namespace UsbMesh.Mesh.Mux;

/// <summary>A multiplexed connection failed (the peer broke the protocol, went silent, or the transport ended).</summary>
public sealed class MuxException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MuxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public MuxException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
