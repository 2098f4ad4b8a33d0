using UsbMesh.Mesh.Remote;

namespace UsbMesh.Node;

/// <summary>Reads <c>usbmesh.remote</c>: message size limit, send buffer, reconnection backoff and the wait before a relay.</summary>
internal static class RemotingSettingsReader
{
    public const string RemotePath = "usbmesh.remote";

    internal static RemotingSettings Read(SettingsReader reader)
    {
        var sizePath = $"{RemotePath}.maximum-message-size";
        var maximum = reader.ByteSize(sizePath);
        // A message travels as frames of the multiplexer, but it is read whole: it may be larger than a frame, not
        // larger than what a node is willing to hold for one message.
        if (maximum is < 1024 or > 16 << 20)
        {
            throw reader.Invalid(sizePath, $"{maximum} bytes is out of range; the accepted range is 1 KiB to 16 MiB");
        }

        var bufferPath = $"{RemotePath}.send-buffer-size";
        var buffer = reader.ByteSize(bufferPath);
        if (buffer < maximum)
        {
            throw reader.Invalid(bufferPath, $"the send buffer ({buffer} bytes) must hold at least one message of maximum-message-size ({maximum} bytes)");
        }

        var minPath = $"{RemotePath}.reconnect.min-backoff";
        var maxPath = $"{RemotePath}.reconnect.max-backoff";
        var min = reader.PositiveDuration(minPath);
        var max = reader.PositiveDuration(maxPath);
        if (max < min)
        {
            throw reader.Invalid(maxPath, $"the longest backoff ({max.TotalSeconds:0.###} s) is shorter than the first ({min.TotalSeconds:0.###} s)");
        }

        return new RemotingSettings((int)maximum, buffer, min, max) { RelayAfter = reader.PositiveDuration($"{RemotePath}.relay-after") };
    }
}
