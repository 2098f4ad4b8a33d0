using UsbMesh.UsbHost;

namespace UsbMesh.Node.Tests;

public sealed class ImportSettingsSpec
{
    private static ImportSettings Read(string hocon) =>
        ImportSettings.Read(new SettingsReader(NodeConfig.WithReference(ConfigurationFactory.ParseString(hocon, "imports.conf"))));

    private static UsbDeviceFacts Stick(string serial = "A1B2", string product = "Flash Disk") =>
        new("1-1.2", 0x0781, 0x5567, new HashSet<byte> { 0x08 }, serial, product);

    [Fact]
    public void The_reference_attaches_to_vhci_and_imports_nothing_by_itself()
    {
        var imports = Read("");

        Assert.Equal(AttachTarget.Vhci, imports.AttachTo);
        Assert.Empty(imports.Rules);
        Assert.True(imports.ManualAttach);
        Assert.Equal(TimeSpan.FromSeconds(2), imports.ReattachDelay);
    }

    [Fact]
    public void Rules_match_by_node_vid_pid_serial_and_name_and_auto_attach_unless_told_not_to()
    {
        var imports = Read("""
            usbmesh.imports {
              attach-to = usbipd
              rules = [
                { node = pi-hub, match { vid-pid = "0781:*", serial = A1B2 } }
                { match { name = "flash disk" }, auto-attach = off }
              ]
              reattach-delay = 500ms
            }
            """);

        Assert.Equal(AttachTarget.Usbipd, imports.AttachTo);
        var (byNode, byName) = (imports.Rules[0], imports.Rules[1]);
        Assert.True(byNode.AutoAttach);
        Assert.True(byNode.Matches("pi-hub", Stick()));
        Assert.False(byNode.Matches("desk", Stick()));
        Assert.False(byNode.Matches("pi-hub", Stick(serial: "OTHER")));
        Assert.False(byName.AutoAttach);
        Assert.True(byName.Matches("any-node", Stick()));
        Assert.False(byName.Matches("any-node", Stick(product: "Keyboard")));
        Assert.Equal(TimeSpan.FromMilliseconds(500), imports.ReattachDelay);
    }

    [Theory]
    [InlineData("usbmesh.imports.attach-to = kernel", "usbmesh.imports.attach-to", "vhci")]
    [InlineData("usbmesh.imports.rules = [ { match { vid-pid = \"0781\" } } ]", "usbmesh.imports.rules[0].match.vid-pid", "vendor:product")]
    [InlineData("usbmesh.imports.rules = [ { nodes = [a] } ]", "usbmesh.imports.rules[0]", "nodes")]
    [InlineData("usbmesh.imports.reattach-delay = 0s", "usbmesh.imports.reattach-delay", "")]
    public void A_bad_setting_is_refused_with_its_place_and_what_was_expected(string line, string path, string hint)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("# imports\n" + line + "\n"));

        Assert.StartsWith("imports.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }
}
