namespace UsbMesh.Node.Tests.Bridges;

/// <summary>The bridges to usbipd servers (<c>usbmesh.bridges</c>) read from the configuration and validated.</summary>
public sealed class BridgeSettingsSpec
{
    [Fact]
    public void There_are_none_by_default()
    {
        Assert.Empty(NodeSettings.FromConfig(ConfigurationFactory.Empty).Bridges);
    }

    [Fact]
    public void Each_bridge_is_read_with_its_defaults_and_a_prefix_of_its_own()
    {
        const string Text = """
            usbmesh.bridges = [
              { server = "10.0.0.5:3240", devices = ["1-1", "1-2.3"], share-with = [desk], reconnect-interval = 30s }
              { server = "pi-hub.local:3240" }
              { server = "[::1]:3241" }
            ]
            """;

        var bridges = NodeSettings.FromConfig(ConfigurationFactory.ParseString(Text, "bridges.conf")).Bridges;

        Assert.Equal(3, bridges.Count);
        Assert.Equal(("10.0.0.5", 3240, "10.0.0.5:3240"), (bridges[0].Host, bridges[0].Port, bridges[0].Server));
        Assert.Equal(["1-1", "1-2.3"], bridges[0].Devices);
        Assert.Equal(["desk"], bridges[0].ShareWith);
        Assert.Equal(TimeSpan.FromSeconds(30), bridges[0].ReconnectInterval);
        Assert.Equal("br1-1-1", bridges[0].LocalBusId("1-1"));

        Assert.Equal(("pi-hub.local", 3240), (bridges[1].Host, bridges[1].Port));
        Assert.Empty(bridges[1].Devices);
        Assert.Equal(["*"], bridges[1].ShareWith);
        Assert.Equal(TimeSpan.FromSeconds(5), bridges[1].ReconnectInterval);
        Assert.Equal("br2-", bridges[1].BusIdPrefix);

        Assert.Equal(("::1", "[::1]:3241"), (bridges[2].Host, bridges[2].Server));
    }

    [Theory]
    [InlineData("server = \"10.0.0.5\"", "usbmesh.bridges[0].server: [10.0.0.5] is not a usbipd server's host and port")]
    [InlineData("server = \"10.0.0.5:0\"", "is not a usbipd server's host and port")]
    [InlineData("server = \"h:3240\", reconnect-interval = 0s", "usbmesh.bridges[0].reconnect-interval: out of range")]
    [InlineData("server = \"h:3240\", reconnect-interval = 2h", "out of range; the accepted range is above 0 up to 1h")]
    [InlineData("server = \"h:3240\", devices = [\"\"]", "usbmesh.bridges[0].devices: [] is not a bus id this node can offer")]
    [InlineData("server = \"h:3240\", devices = [\"1-1.2.3.4.5.6.7.8.9.10.11.12\"]", "1 to 27 printable characters (the node puts br1- before it)")]
    [InlineData("server = \"h:3240\", device = [\"1-1\"]", "usbmesh.bridges[0].device: unknown bridge setting; a bridge has server, devices, share-with and reconnect-interval")]
    public void A_bad_bridge_is_refused_with_its_place(string setting, string expected)
    {
        var text = $"usbmesh {{\n  bridges = [\n    {{ {setting} }}\n  ]\n}}\n";

        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "bad.conf")));

        Assert.StartsWith("bad.conf:3:", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_without_a_server_is_refused_where_it_is_written()
    {
        var text = "usbmesh.bridges = [\n  { devices = [\"1-1\"] }\n]\n";

        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "bad.conf")));

        Assert.StartsWith("bad.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("usbmesh.bridges[0].server: [] is not a usbipd server's host and port", error.Message, StringComparison.Ordinal);
    }
}
