namespace UsbMesh.Mesh.Resumable;

/// <summary>The bounds of a <see cref="ResumableLane"/>.</summary>
/// <param name="WindowMessages">Messages sent and not yet acknowledged, at most.</param>
/// <param name="WindowBytes">Bytes of those messages, at most (one message larger than this still goes alone).</param>
/// <param name="MaxMessageSize">The largest message either side may send; a larger frame ends the lane.</param>
public sealed record ResumableLaneOptions(int WindowMessages, long WindowBytes, int MaxMessageSize)
{
    /// <summary>Room for 256 URBs and 8 MiB in flight, messages up to 1 MiB plus a USB/IP header.</summary>
    public static readonly ResumableLaneOptions Default = new(256, 8 << 20, (1 << 20) + 4096);
}
