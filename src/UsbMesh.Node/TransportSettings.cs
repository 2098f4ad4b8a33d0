using UsbMesh.Mesh.Mux;

namespace UsbMesh.Node;

/// <summary>How this node connects to its peers (<c>usbmesh.transports</c>).</summary>
/// <param name="Enabled">Transports in order of preference: <c>quic</c>, <c>tls</c>.</param>
/// <param name="ConnectTimeout">How long connecting and the handshake may take before the next transport is tried.</param>
/// <param name="Multiplexer">Frame size, lane window, heartbeat and idle timeout of multiplexed connections.</param>
public sealed record TransportSettings(IReadOnlyList<string> Enabled, TimeSpan ConnectTimeout, MultiplexerOptions Multiplexer)
{
    public const string TransportsPath = "usbmesh.transports";

    private static readonly string[] Known = ["quic", "tls"];

    /// <summary>The largest frame that may be configured: a frame is read into memory whole.</summary>
    private const long MaxFrameSizeLimit = 16 << 20;

    internal static TransportSettings Read(SettingsReader reader)
    {
        var enabledPath = $"{TransportsPath}.enabled";
        var enabled = reader.Config.GetStringList(enabledPath);
        if (enabled.Count == 0)
        {
            throw reader.Invalid(enabledPath, "at least one transport is needed (quic, tls)");
        }

        foreach (var name in enabled)
        {
            if (!Known.Contains(name))
            {
                throw reader.Invalid(enabledPath, $"[{name}] is not a transport; there are {string.Join(", ", Known)}");
            }
        }

        if (enabled.Distinct(StringComparer.Ordinal).Count() != enabled.Count)
        {
            throw reader.Invalid(enabledPath, "a transport is listed twice");
        }

        var frameSizePath = $"{TransportsPath}.max-frame-size";
        var maxFrameSize = reader.ByteSize(frameSizePath);
        if (maxFrameSize is < 1024 or > MaxFrameSizeLimit)
        {
            throw reader.Invalid(frameSizePath, $"{maxFrameSize} bytes is out of range; the accepted range is 1 KiB to 16 MiB");
        }

        var heartbeat = reader.PositiveDuration($"{TransportsPath}.heartbeat-interval");
        var idlePath = $"{TransportsPath}.idle-timeout";
        var idle = reader.PositiveDuration(idlePath);
        if (idle <= heartbeat)
        {
            throw reader.Invalid(idlePath, $"the idle timeout ({idle.TotalSeconds:0.###} s) must be longer than the heartbeat interval ({heartbeat.TotalSeconds:0.###} s), or every quiet connection would be closed");
        }

        return new TransportSettings(
            enabled,
            reader.PositiveDuration($"{TransportsPath}.connect-timeout"),
            new MultiplexerOptions
            {
                MaxFrameSize = (int)maxFrameSize,
                LaneWindow = Math.Max((int)maxFrameSize, new MultiplexerOptions().LaneWindow),
                HeartbeatInterval = heartbeat,
                IdleTimeout = idle,
            });
    }
}
