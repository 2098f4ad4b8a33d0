using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Scenarios;

/// <summary>
/// Four nodes in memory: a hub that shares a keyboard with the desk only, a guest the hub trusts but shares nothing
/// with, and an outsider only the desk trusts. Announcements must reach exactly the nodes allowed to see them.
/// </summary>
public sealed class DirectoryScenarioTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);
    private readonly ScenarioMesh _mesh = new();

    public async Task InitializeAsync()
    {
        await _mesh.StartAsync("hub", ["desk", "guest"]);
        await _mesh.StartAsync("desk", ["hub", "outsider"], seeds: ["hub"]);
        await _mesh.StartAsync("guest", ["hub"], seeds: ["hub"]);
        await _mesh.StartAsync("outsider", ["desk"], seeds: ["desk"]);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task A_device_is_seen_by_the_peers_it_is_shared_with_and_by_no_one_else()
    {
        var keyboard = new AnnouncedDevice("1-1", 0x046d, 0xc31c, 3, "full", null, "Keyboard", null, []);
        _mesh["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([new ExportedDevice(keyboard, ["desk"])]));

        await AwaitAssertAsync(async () =>
        {
            var device = Assert.Single(await _mesh.VisibleAsync("desk"));
            Assert.Equal("hub", device.OriginName);
            Assert.Equal(0xc31c, device.Device.ProductId);
        }, Converge);

        // Several more gossip rounds, then nobody else may have it.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await _mesh.VisibleAsync("guest"));
        Assert.Empty(await _mesh.VisibleAsync("outsider"));
    }

    [Fact]
    public async Task A_device_no_longer_exported_disappears_from_the_peers()
    {
        var stick = new AnnouncedDevice("1-2", 0x0781, 0x5567, 8, "high", null, "Stick", null, []);
        _mesh["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([new ExportedDevice(stick, ["*"])]));
        await AwaitAssertAsync(async () => Assert.Single(await _mesh.VisibleAsync("guest")), Converge);

        _mesh["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([]));

        await AwaitAssertAsync(async () => Assert.Empty(await _mesh.VisibleAsync("guest")), Converge);
        await AwaitAssertAsync(async () => Assert.Empty(await _mesh.VisibleAsync("desk")), Converge);
    }
}
