namespace UsbMesh.Mesh.Mux;

/// <summary>Limits and timing of a <see cref="Multiplexer"/> (HOCON <c>usbmesh.transports</c>).</summary>
public sealed record MultiplexerOptions
{
    /// <summary>The largest frame payload either side may send; a larger one closes the connection.</summary>
    public int MaxFrameSize { get; init; } = 1 << 20;

    /// <summary>Bytes a lane's sender may have unread at the receiver: the receiver's buffer per lane.</summary>
    /// <remarks>
    /// 4 MiB: with 1 MiB a bulk sender on loopback TLS ran out of credit every few frames, since a grant (every quarter
    /// window) takes several thread wake-ups to come back; each stall cost a sleep and a wake-up on both sides.
    /// </remarks>
    public int LaneWindow { get; init; } = 4 << 20;

    /// <summary>A connection that has sent nothing for this long sends a ping.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A connection that has received nothing for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lanes the peer may open; one more closes the connection.</summary>
    public int MaxLanes { get; init; } = 1024;
}
