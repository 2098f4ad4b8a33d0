namespace UsbMesh.UsbHost.Tests;

public sealed class ExportPolicySpec
{
    private static readonly UsbDeviceFacts Stick =
        new("1-1.2", 0x0781, 0x5567, new HashSet<byte> { UsbClassCodes.MassStorage }, "4C530001", "Cruzer Blade");

    private static readonly UsbDeviceFacts Keyboard =
        new("1-3", 0x046d, 0xc31c, new HashSet<byte> { UsbClassCodes.Hid }, null, "USB Keyboard");

    private static ExportRule Share(DeviceMatch match, params string[] peers) => new(ExportRuleAction.Share, match, peers, "test.conf:1");

    private static ExportRule Deny(DeviceMatch match) => new(ExportRuleAction.Deny, match, [], "test.conf:9");

    private static ExportPolicy Policy(params ExportRule[] rules) => new(rules, new Dictionary<string, string>());

    [Fact]
    public void Nothing_is_exported_without_a_matching_share_rule()
    {
        var decision = Policy().Decide(Stick);
        Assert.False(decision.Exported);
        Assert.Equal("no export rule matches it", decision.Reason);
    }

    [Theory]
    [InlineData("0781:5567", true)]
    [InlineData("0781:*", true)]
    [InlineData("*:5567", true)]
    [InlineData("0781:5568", false)]
    [InlineData("1234:*", false)]
    public void Vid_pid_patterns_match_exactly_or_by_wildcard(string vidPid, bool expected)
    {
        Assert.True(DeviceMatch.TryParseVidPid(vidPid, out var vendorId, out var productId));
        Assert.Equal(expected, Policy(Share(new DeviceMatch { VendorId = vendorId, ProductId = productId }, "*")).Decide(Stick).Exported);
    }

    [Theory]
    [InlineData("0781")]
    [InlineData("781:5567")]
    [InlineData("0781:5567:1")]
    [InlineData("zzzz:5567")]
    public void Malformed_vid_pid_is_refused(string vidPid) => Assert.False(DeviceMatch.TryParseVidPid(vidPid, out _, out _));

    [Theory]
    [InlineData("1-1.2", true)]
    [InlineData("1-1.*", true)]
    [InlineData("1-*", true)]
    [InlineData("1-1", false)]
    [InlineData("1-1.2.*", false)]
    [InlineData("2-*", false)]
    public void Bus_id_patterns_name_a_port_or_a_hub_subtree(string busId, bool expected) =>
        Assert.Equal(expected, Policy(Share(new DeviceMatch { BusId = busId })).Decide(Stick).Exported);

    [Fact]
    public void Every_given_field_must_match()
    {
        var match = new DeviceMatch { Class = UsbClassCodes.MassStorage, Serial = "4C530001" };
        Assert.True(Policy(Share(match)).Decide(Stick).Exported);
        Assert.False(Policy(Share(match with { Serial = "other" })).Decide(Stick).Exported);
        Assert.False(Policy(Share(match)).Decide(Keyboard).Exported);
    }

    [Fact]
    public void A_deny_rule_wins_over_any_share_rule_in_any_order()
    {
        var shareAll = Share(DeviceMatch.Any, "*");
        var denyStorage = Deny(new DeviceMatch { Class = UsbClassCodes.MassStorage });

        foreach (var policy in new[] { Policy(shareAll, denyStorage), Policy(denyStorage, shareAll) })
        {
            var stick = policy.Decide(Stick);
            Assert.False(stick.Exported);
            Assert.Contains("denied by the rule at test.conf:9", stick.Reason, StringComparison.Ordinal);
            Assert.True(policy.Decide(Keyboard).Exported);
        }
    }

    [Fact]
    public void A_protected_device_is_never_exported_whatever_the_rules_say()
    {
        var policy = new ExportPolicy(
            [Share(new DeviceMatch { BusId = "1-1.2" }, "*")],
            new Dictionary<string, string> { ["1-1.2"] = "holds the filesystem mounted at /" });

        var decision = policy.Decide(Stick);

        Assert.False(decision.Exported);
        Assert.Equal("protected: holds the filesystem mounted at /", decision.Reason);
    }

    [Fact]
    public void Peers_of_all_matching_share_rules_are_combined()
    {
        var policy = Policy(Share(new DeviceMatch { VendorId = 0x0781 }, "desk"), Share(new DeviceMatch { Class = UsbClassCodes.MassStorage }, "laptop", "desk"));
        Assert.Equal(["desk", "laptop"], policy.Decide(Stick).ShareWith);
    }

    [Theory]
    [InlineData("mass-storage", UsbClassCodes.MassStorage)]
    [InlineData("HID", UsbClassCodes.Hid)]
    [InlineData("0xff", UsbClassCodes.VendorSpecific)]
    [InlineData("cdc-acm", UsbClassCodes.Communications)]
    public void Class_names_and_codes_are_understood(string text, byte expected)
    {
        Assert.True(UsbClassNames.TryParse(text, out var code));
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData("storage")]
    [InlineData("0x1ff")]
    [InlineData("8")]
    public void Unknown_class_names_are_refused(string text) => Assert.False(UsbClassNames.TryParse(text, out _));
}
