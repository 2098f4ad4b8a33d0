using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Tests.Scenarios;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Relay;

/// <summary>
/// A hub and a desk that cannot reach each other, both connected to a relay: a device the hub shares with the desk
/// alone reaches the desk through the relay, which passes the signed announcement on but shows itself nothing.
/// </summary>
public sealed class RelayedAnnouncementTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);
    private readonly ScenarioMesh _mesh = new();

    public async Task InitializeAsync()
    {
        _mesh.Network.FaultsBetween(ScenarioMesh.Address("hub"), ScenarioMesh.Address("desk")).Partition();
        await _mesh.StartAsync("relay", ["hub", "desk"], system: Sys, relayCapable: true);
        await _mesh.StartAsync("hub", ["relay", "desk"], seeds: ["relay"]);
        await _mesh.StartAsync("desk", ["relay", "hub"], seeds: ["relay"]);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task A_device_shared_with_a_node_only_a_relay_reaches_is_seen_there_and_not_by_the_relay()
    {
        var stick = new AnnouncedDevice("1-4", 0x0781, 0x5567, 8, "high", null, "Stick", "4C53", []);
        _mesh["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([new ExportedDevice(stick, ["desk"])]));

        await AwaitAssertAsync(async () =>
        {
            var device = Assert.Single(await _mesh.VisibleAsync("desk"));
            Assert.Equal("hub", device.OriginName);
            Assert.Equal("4C53", device.Device.Serial);
        }, Converge);
        Assert.DoesNotContain(_mesh.IdOf("hub"), _mesh["desk"].Remoting.ConnectedNodes);
        Assert.Empty(await _mesh.VisibleAsync("relay"));

        // Withdrawn at the hub, gone at the desk: the relay passes the successor on too.
        _mesh["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([]));
        await AwaitAssertAsync(async () => Assert.Empty(await _mesh.VisibleAsync("desk")), Converge);
    }
}
