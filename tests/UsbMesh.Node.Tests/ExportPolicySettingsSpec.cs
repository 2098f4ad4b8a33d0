using UsbMesh.UsbHost;

namespace UsbMesh.Node.Tests;

/// <summary>The local USB host and its export policy (<c>usbmesh.usb-host</c>, <c>usbmesh.exports</c>) read from the configuration.</summary>
public sealed class ExportPolicySettingsSpec
{
    private static readonly UsbDeviceFacts Stick = new("1-1.2", 0x0781, 0x5567, new HashSet<byte> { 0x08 }, "4C53", "Cruzer");
    private static readonly UsbDeviceFacts Keyboard = new("1-3", 0x046d, 0xc31c, new HashSet<byte> { 0x03 }, null, "Keyboard");

    [Fact]
    public void The_defaults_run_the_host_on_its_pinned_dispatcher_and_export_nothing()
    {
        var host = NodeSettings.FromConfig(ConfigurationFactory.Empty).UsbHost;

        Assert.True(host.Enabled);
        Assert.Equal("usb-host-dispatcher", host.Dispatcher);
        Assert.Equal(TimeSpan.FromMilliseconds(100), host.PollInterval);
        Assert.True(host.ShareOnPlugIn);
        Assert.True(host.DetachKernelDrivers);
        Assert.Empty(host.Policy.Rules);
        Assert.False(host.Policy.Decide(Stick).Exported);
        Assert.Equal("PinnedDispatcher", NodeSettings.FromConfig(ConfigurationFactory.Empty).Dispatchers["usb-host-dispatcher"].Type);
    }

    [Fact]
    public void Rules_are_read_with_their_origin_and_deny_wins()
    {
        const string Text = """
            usbmesh.exports {
              rules = [
                { match { class = "mass-storage" }, share-with = ["desk"] }
                { match { vid-pid = "046d:*" } }
                { match { bus-id = "1-1.*", serial = "4C53" }, action = deny }
              ]
              protect = ["1-9"]
              share-on-plug-in = off
            }
            """;

        var host = NodeSettings.FromConfig(ConfigurationFactory.ParseString(Text, "hub.conf")).UsbHost;

        Assert.Equal(3, host.Policy.Rules.Count);
        Assert.Equal(["desk"], host.Policy.Rules[0].ShareWith);
        Assert.Equal(["*"], host.Policy.Rules[1].ShareWith);
        Assert.StartsWith("hub.conf:3:", host.Policy.Rules[0].Origin, StringComparison.Ordinal);
        var stick = host.Policy.Decide(Stick);
        Assert.False(stick.Exported);
        Assert.StartsWith("denied by the rule at hub.conf:5:", stick.Reason, StringComparison.Ordinal);
        Assert.True(host.Policy.Decide(Keyboard).Exported);
        Assert.Equal("listed in usbmesh.exports.protect", host.Policy.ProtectedBusIds["1-9"]);
        Assert.False(host.ShareOnPlugIn);
    }

    [Theory]
    [InlineData("{ match { vid-pid = \"0781\" } }", "usbmesh.exports.rules[0].match.vid-pid", "is not a vendor:product pair")]
    [InlineData("{ match { class = \"storage\" } }", "usbmesh.exports.rules[0].match.class", "is not a class code such as 0x08 or one of")]
    [InlineData("{ match { colour = red } }", "usbmesh.exports.rules[0].match.colour", "unknown match field")]
    [InlineData("{ match { }, action = allow }", "action", "[allow] is not one of share, deny")]
    [InlineData("{ match { }, shared-with = [\"*\"] }", "usbmesh.exports.rules[0].shared-with", "unknown rule setting")]
    public void A_bad_rule_is_refused_with_its_place(string rule, string path, string expected)
    {
        var text = $"usbmesh {{\n  exports {{\n    rules = [\n      {rule}\n    ]\n  }}\n}}\n";

        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "bad.conf")));

        Assert.StartsWith("bad.conf:4:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_poll_interval_beyond_a_second_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            NodeSettings.FromConfig(ConfigurationFactory.ParseString("usbmesh.usb-host.poll-interval = 5s", "slow.conf")));
        Assert.Contains("usbmesh.usb-host.poll-interval", error.Message, StringComparison.Ordinal);
    }
}
