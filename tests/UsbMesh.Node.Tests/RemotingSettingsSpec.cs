using UsbMesh.Mesh.Remote;

namespace UsbMesh.Node.Tests;

public sealed class RemotingSettingsSpec
{
    private static RemotingSettings Read(string hocon) =>
        RemotingSettingsReader.Read(new SettingsReader(NodeConfig.WithReference(ConfigurationFactory.ParseString(hocon, "remote.conf"))));

    [Fact]
    public void The_reference_relays_a_lane_after_one_and_a_half_seconds_without_a_direct_connection()
    {
        Assert.Equal(RemotingSettings.Default, Read(""));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Read("").RelayAfter);
    }

    [Fact]
    public void The_wait_before_a_relay_can_be_changed_but_not_to_nothing()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Read("usbmesh.remote.relay-after = 5s").RelayAfter);
        Assert.Contains("usbmesh.remote.relay-after", Assert.ThrowsAny<Exception>(() => Read("usbmesh.remote.relay-after = 0s")).Message, StringComparison.Ordinal);
    }
}
