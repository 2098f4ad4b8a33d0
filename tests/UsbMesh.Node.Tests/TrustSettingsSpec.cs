using UsbMesh.Mesh.Identity;

namespace UsbMesh.Node.Tests;

public sealed class TrustSettingsSpec
{
    private static readonly NodeId Desk = NodeIdentity.Generate().Id;
    private static readonly NodeId Laptop = NodeIdentity.Generate().Id;

    private static NodeSettings Read(string hocon) => NodeSettings.FromConfig(ConfigurationFactory.ParseString(hocon, "trust.conf"));

    [Fact]
    public void Configured_peers_are_trusted_by_id_with_their_names_and_admin_rights()
    {
        var settings = Read($$"""
            usbmesh.node.state-directory = "/var/lib/x"
            usbmesh.trust.peers = [
              { name = desk, id = "{{Desk}}", admin = on }
              { name = laptop, id = "{{Laptop.ToString().ToLowerInvariant()}}" }
            ]
            """);

        var trust = settings.Trust.Peers;
        Assert.Null(trust.RefusalOf(Desk));
        Assert.Null(trust.RefusalOf(Laptop));
        Assert.True(trust.IsAdmin(Desk));
        Assert.False(trust.IsAdmin(Laptop));
        Assert.Equal("trust.conf:3:23", trust.Find("desk")!.Origin);
        Assert.Equal("/var/lib/x/trust.json", settings.Trust.StoreFile);
    }

    [Fact]
    public void Nobody_is_trusted_by_default()
    {
        var settings = Read("");

        Assert.Empty(settings.Trust.Peers.Peers);
        Assert.NotNull(settings.Trust.Peers.RefusalOf(Desk));
    }

    [Theory]
    [InlineData("{ name = desk, id = \"0000000-0000000\" }", "usbmesh.trust.peers[0].id", "56 characters")]
    [InlineData("{ name = desk, id = \"{desk}\", colour = red }", "usbmesh.trust.peers[0].colour", "unknown peer setting")]
    [InlineData("{ name = desk, id = \"{desk}\" }, { name = desk, id = \"{laptop}\" }", "usbmesh.trust.peers[1]", "already trusted")]
    [InlineData("{ name = desk, id = \"{desk}\" }, { name = other, id = \"{desk}\" }", "usbmesh.trust.peers[1]", "already trusted as [desk]")]
    public void A_bad_peer_is_refused_naming_its_path_and_line(string peers, string path, string hint)
    {
        var text = "# trust\nusbmesh.trust.peers = [ " + peers.Replace("{desk}", Desk.ToString(), StringComparison.Ordinal).Replace("{laptop}", Laptop.ToString(), StringComparison.Ordinal) + " ]\n";

        var error = Assert.Throws<ConfigurationException>(() => Read(text));

        Assert.StartsWith("trust.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mistyped_id_is_refused_as_a_typo()
    {
        var typo = Desk.ToString()[..^1] + (Desk.ToString()[^1] == 'A' ? 'B' : 'A');

        var error = Assert.Throws<ConfigurationException>(() => Read($"usbmesh.trust.peers = [ {{ name = desk, id = \"{typo}\" }} ]"));

        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }
}
