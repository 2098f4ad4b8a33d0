namespace UsbMesh.Node.Tests;

/// <summary>The usbipd endpoint's limits (<c>usbmesh.usbipd</c>) read from the configuration and validated.</summary>
public sealed class UsbipdSettingsSpec
{
    [Fact]
    public void The_defaults_are_those_of_the_endpoint()
    {
        var usbipd = NodeSettings.FromConfig(ConfigurationFactory.Empty).Exports.Usbipd;

        Assert.Equal(64, usbipd.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(10), usbipd.OpIdleTimeout);
        Assert.Equal(128, usbipd.MaxPendingUrbs);
        Assert.Equal(TimeSpan.FromSeconds(5), usbipd.DeviceRequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), usbipd.CloseTimeout);
        // The node runs connections on the dedicated thread of the devices; a bare actor system has only its pool.
        Assert.Equal("usb-io-dispatcher", usbipd.Dispatcher);
        Assert.Equal(Usbipd.UsbipdSettings.Default with { Enabled = usbipd.Enabled, Endpoint = usbipd.Endpoint, Dispatcher = usbipd.Dispatcher }, usbipd);
    }

    [Fact]
    public void The_limits_are_read_from_the_configuration()
    {
        const string Text = """
            usbmesh.usbipd {
              max-connections = 3
              op-idle-timeout = 750ms
              max-pending-urbs = 16
              device-request-timeout = 1s
              import-timeout = 45s
              close-timeout = 250ms
            }
            """;

        var usbipd = NodeSettings.FromConfig(ConfigurationFactory.ParseString(Text, "limits.conf")).Exports.Usbipd;

        Assert.Equal(3, usbipd.MaxConnections);
        Assert.Equal(TimeSpan.FromMilliseconds(750), usbipd.OpIdleTimeout);
        Assert.Equal(16, usbipd.MaxPendingUrbs);
        Assert.Equal(TimeSpan.FromSeconds(1), usbipd.DeviceRequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(45), usbipd.ImportTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), usbipd.CloseTimeout);
    }

    [Theory]
    [InlineData("max-connections = 0", "0 is out of range; the accepted range is 1 to 65536")]
    [InlineData("max-connections = -5", "-5 is out of range; the accepted range is 1 to 65536")]
    [InlineData("max-connections = 70000", "70000 is out of range; the accepted range is 1 to 65536")]
    [InlineData("max-pending-urbs = 0", "0 is out of range; the accepted range is 1 to 65536")]
    [InlineData("op-idle-timeout = 0s", "0s is out of range; the accepted range is above 0 up to 1h")]
    [InlineData("op-idle-timeout = -1s", "-1s is out of range; the accepted range is above 0 up to 1h")]
    [InlineData("device-request-timeout = 0ms", "is out of range; the accepted range is above 0 up to 1h")]
    [InlineData("import-timeout = 2h", "2h is out of range; the accepted range is above 0 up to 1h")]
    [InlineData("close-timeout = -250ms", "-250ms is out of range; the accepted range is above 0 up to 1h")]
    [InlineData("close-timeout = 2h", "2h is out of range; the accepted range is above 0 up to 1h")]
    public void A_value_out_of_range_is_refused_with_its_place_and_the_accepted_range(string setting, string expected)
    {
        var key = setting[..setting.IndexOf(' ', StringComparison.Ordinal)];
        var text = $"usbmesh {{\n  usbipd {{\n    enabled = on\n    {setting}\n  }}\n}}\n";

        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "bad.conf")));

        Assert.StartsWith("bad.conf:4:", error.Message, StringComparison.Ordinal);
        Assert.Equal($"usbmesh.usbipd.{key}", error.Path);
        Assert.Contains($"usbmesh.usbipd.{key}: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
