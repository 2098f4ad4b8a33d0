namespace UsbMesh.Node.Tests;

public sealed class TransportSettingsSpec
{
    private static NodeSettings Read(string hocon) => NodeSettings.FromConfig(ConfigurationFactory.ParseString(hocon, "transports.conf"));

    [Fact]
    public void The_reference_prefers_quic_then_tls_with_its_timing_and_frame_size()
    {
        var transports = Read("").Transports;

        Assert.Equal(["quic", "tls"], transports.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(10), transports.ConnectTimeout);
        Assert.Equal(1 << 20, transports.Multiplexer.MaxFrameSize);
        Assert.Equal(TimeSpan.FromSeconds(2), transports.Multiplexer.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), transports.Multiplexer.IdleTimeout);
    }

    [Fact]
    public void A_larger_frame_size_widens_the_lane_window_with_it()
    {
        var transports = Read("usbmesh.transports { enabled = [tls], max-frame-size = 8 MiB }").Transports;

        Assert.Equal(["tls"], transports.Enabled);
        Assert.Equal(8 << 20, transports.Multiplexer.MaxFrameSize);
        Assert.Equal(8 << 20, transports.Multiplexer.LaneWindow);
    }

    [Theory]
    [InlineData("usbmesh.transports.enabled = []", "usbmesh.transports.enabled", "at least one")]
    [InlineData("usbmesh.transports.enabled = [tcp]", "usbmesh.transports.enabled", "[tcp] is not a transport")]
    [InlineData("usbmesh.transports.enabled = [tls, tls]", "usbmesh.transports.enabled", "twice")]
    [InlineData("usbmesh.transports.max-frame-size = 64 MiB", "usbmesh.transports.max-frame-size", "1 KiB to 16 MiB")]
    [InlineData("usbmesh.transports.idle-timeout = 1s", "usbmesh.transports.idle-timeout", "longer than the heartbeat")]
    public void A_bad_transport_setting_is_refused_naming_its_path_and_line(string line, string path, string hint)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("# transports\n" + line + "\n"));

        Assert.StartsWith("transports.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }
}
