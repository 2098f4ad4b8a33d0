namespace UsbMesh.Bench.Mesh;

/// <summary>
/// The flow control both streams of the remote benchmark use, remoting and raw TLS alike: the receiver acknowledges
/// every <see cref="AckEvery"/> messages, and the sender never has more than <see cref="InFlight"/> unacknowledged.
/// At 1 KiB that bounds what remoting queues to about 2.5 MB, well under its 8 MiB send buffer, beyond which it drops.
/// </summary>
internal static class StreamWindow
{
    public const int InFlight = 2048;

    public const int AckEvery = 256;
}
