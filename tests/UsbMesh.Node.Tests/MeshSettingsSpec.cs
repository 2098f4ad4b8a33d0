using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Node.Tests;

public sealed class MeshSettingsSpec
{
    // NodeSettings does not carry the mesh settings yet; they are read the same way, from the completed configuration.
    private static MeshSettings Read(string hocon) =>
        MeshSettings.Read(new SettingsReader(NodeConfig.WithReference(ConfigurationFactory.ParseString(hocon, "mesh.conf"))));

    [Fact]
    public void The_reference_has_no_seeds_no_relay_and_akka_like_failure_detection()
    {
        var mesh = Read("");

        Assert.Empty(mesh.SeedNodes);
        Assert.Equal(TimeSpan.FromSeconds(2), mesh.GossipInterval);
        Assert.False(mesh.Relay.Enabled);
        Assert.Equal(["*"], mesh.Relay.Allow);
        Assert.Equal(UsbMesh.Mesh.Membership.FailureDetectorSettings.Default, mesh.FailureDetector);
        Assert.Equal(UsbMesh.Mesh.Membership.MembershipSettings.Default, mesh.Membership);
    }

    [Fact]
    public void Every_setting_can_be_changed()
    {
        var mesh = Read("""
            usbmesh.mesh {
              seed-nodes = ["pi-hub.local:7240", "[::1]:7241"]
              gossip-interval = 500ms
              relay { enabled = on, allow = [pi-hub, desk] }
              failure-detector {
                heartbeat-interval = 2s
                threshold = 12.5
                max-sample-size = 200
                min-std-deviation = 250ms
                acceptable-heartbeat-pause = 0s
                first-heartbeat-estimate = 3s
              }
              down-unreachable-after = 30s
              removal-margin = 0s
              tombstone-ttl = 5m
            }
            """);

        Assert.Equal(["pi-hub.local:7240", "[::1]:7241"], mesh.SeedNodes);
        Assert.Equal(TimeSpan.FromMilliseconds(500), mesh.GossipInterval);
        Assert.Equal(new RelaySettings(true, ["pi-hub", "desk"]).Allow, mesh.Relay.Allow);
        Assert.True(mesh.Relay.Enabled);
        Assert.Equal(
            new UsbMesh.Mesh.Membership.FailureDetectorSettings(
                TimeSpan.FromSeconds(2), 12.5, 200, TimeSpan.FromMilliseconds(250), TimeSpan.Zero, TimeSpan.FromSeconds(3)),
            mesh.FailureDetector);
        Assert.Equal(
            new UsbMesh.Mesh.Membership.MembershipSettings(TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(5)),
            mesh.Membership);
    }

    [Fact]
    public void The_relay_allows_the_trusted_peers_it_names_or_with_a_star_every_trusted_peer()
    {
        NodeId desk = NodeIdentity.Generate().Id, laptop = NodeIdentity.Generate().Id, stranger = NodeIdentity.Generate().Id;
        var trust = TrustList.Of([new TrustedPeer("desk", desk, Admin: false, Origin: "test"), new TrustedPeer("laptop", laptop, Admin: false, Origin: "test")]);

        var named = new RelaySettings(true, ["desk"]);
        Assert.True(named.Allows(trust, desk));
        Assert.False(named.Allows(trust, laptop));
        var everyone = new RelaySettings(true, ["*"]);
        Assert.True(everyone.Allows(trust, laptop));
        Assert.False(everyone.Allows(trust, stranger));
    }

    [Fact]
    public void The_example_configurations_have_valid_mesh_settings()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "hocon"), "*.conf"))
        {
            var config = NodeConfig.WithReference(ConfigurationFactory.ParseString(File.ReadAllText(file), Path.GetFileName(file)));
            MeshSettings.Read(new SettingsReader(config));
        }
    }

    [Theory]
    [InlineData("usbmesh.mesh.seed-nodes = [\"pi-hub.local\"]", "usbmesh.mesh.seed-nodes", "[pi-hub.local] is not a host and port")]
    [InlineData("usbmesh.mesh.seed-nodes = [\"a:1\", \"a:1\"]", "usbmesh.mesh.seed-nodes", "twice")]
    [InlineData("usbmesh.mesh.gossip-interval = 0s", "usbmesh.mesh.gossip-interval", "out of range")]
    [InlineData("usbmesh.mesh.relay.allow = [\"\"]", "usbmesh.mesh.relay.allow", "an empty name")]
    [InlineData("usbmesh.mesh.failure-detector.threshold = 0.5", "usbmesh.mesh.failure-detector.threshold", "1 to 100")]
    [InlineData("usbmesh.mesh.failure-detector.max-sample-size = 0", "usbmesh.mesh.failure-detector.max-sample-size", "1 to 100000")]
    [InlineData("usbmesh.mesh.failure-detector.min-std-deviation = 0ms", "usbmesh.mesh.failure-detector.min-std-deviation", "out of range")]
    [InlineData("usbmesh.mesh.failure-detector.acceptable-heartbeat-pause = -1s", "usbmesh.mesh.failure-detector.acceptable-heartbeat-pause", "from 0s")]
    [InlineData("usbmesh.mesh.failure-detector.heartbeat-interval = 2h", "usbmesh.mesh.failure-detector.heartbeat-interval", "out of range")]
    [InlineData("usbmesh.mesh.down-unreachable-after = 0s", "usbmesh.mesh.down-unreachable-after", "out of range")]
    [InlineData("usbmesh.mesh.removal-margin = -5s", "usbmesh.mesh.removal-margin", "from 0s")]
    [InlineData("usbmesh.mesh.tombstone-ttl = 3s", "usbmesh.mesh.tombstone-ttl", "twice gossip-interval")]
    public void A_bad_mesh_setting_is_refused_naming_its_path_and_line(string line, string path, string hint)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("# mesh\n" + line + "\n"));

        Assert.StartsWith("mesh.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }
}
