namespace UsbMesh.Mesh.Remote;

/// <summary>Limits and timing of remoting (<c>usbmesh.remote</c>).</summary>
/// <param name="MaximumMessageSize">The largest message frame sent or accepted; a larger one from a peer ends its connection.</param>
/// <param name="SendBufferSize">Bytes queued for one peer (while it is slow or unreachable) before messages are dropped.</param>
/// <param name="ReconnectMinBackoff">The wait after the first failed connection attempt; it doubles after each failure.</param>
/// <param name="ReconnectMaxBackoff">The longest wait between attempts.</param>
public sealed record RemotingSettings(
    int MaximumMessageSize,
    long SendBufferSize,
    TimeSpan ReconnectMinBackoff,
    TimeSpan ReconnectMaxBackoff)
{
    /// <summary>How long a lane waits for a direct connection to come up before it tries the relays
    /// (<c>usbmesh.remote.relay-after</c>); direct connections keep being tried after.</summary>
    public TimeSpan RelayAfter { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>The defaults of reference.conf.</summary>
    public static RemotingSettings Default { get; } = new(256 * 1024, 8L << 20, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

    /// <summary>The wait before connection attempt number <paramref name="failures"/> + 1, with ±20 % jitter so
    /// that nodes cut off together do not reconnect in lockstep.</summary>
    public TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 20);
        var ticks = Math.Min(ReconnectMinBackoff.Ticks * (1L << exponent), ReconnectMaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
    }
}
