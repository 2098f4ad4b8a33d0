using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Protocol;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Tests.Remote;
using UsbMesh.Mesh.Transport;
using UsbMesh.Mesh.Trust;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Scenarios;

/// <summary>
/// Four nodes in memory: a hub that shares a keyboard with the desk only, a guest the hub trusts but shares nothing
/// with, and an outsider only the desk trusts. Announcements must reach exactly the nodes allowed to see them.
/// </summary>
public sealed class DirectoryScenarioTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);
    private readonly InMemoryNetwork _network = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly Dictionary<string, NodeIdentity> _ids = new()
    {
        ["hub"] = NodeIdentity.Generate(),
        ["desk"] = NodeIdentity.Generate(),
        ["guest"] = NodeIdentity.Generate(),
        ["outsider"] = NodeIdentity.Generate(),
    };

    private readonly Dictionary<string, (ActorSystem System, IActorRef Mesh, TrustList Trust)> _nodes = [];

    public async Task InitializeAsync()
    {
        await StartAsync("hub", ["desk", "guest"]);
        await StartAsync("desk", ["hub", "outsider"]);
        await StartAsync("guest", ["hub"]);
        await StartAsync("outsider", ["desk"]);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var (system, _, _) in _nodes.Values)
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task A_device_is_seen_by_the_peers_it_is_shared_with_and_by_no_one_else()
    {
        var keyboard = new AnnouncedDevice("1-1", 0x046d, 0xc31c, 3, "full", null, "Keyboard", null, []);
        _nodes["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([new ExportedDevice(keyboard, ["desk"])]));

        await AwaitAssertAsync(async () =>
        {
            var seen = await VisibleAsync("desk");
            var device = Assert.Single(seen);
            Assert.Equal("hub", device.OriginName);
            Assert.Equal(0xc31c, device.Device.ProductId);
        }, Converge);

        // Several more gossip rounds, then nobody else may have it.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await VisibleAsync("guest"));
        Assert.Empty(await VisibleAsync("outsider"));
    }

    [Fact]
    public async Task A_device_no_longer_exported_disappears_from_the_peers()
    {
        var stick = new AnnouncedDevice("1-2", 0x0781, 0x5567, 8, "high", null, "Stick", null, []);
        _nodes["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([new ExportedDevice(stick, ["*"])]));
        await AwaitAssertAsync(async () => Assert.Single(await VisibleAsync("guest")), Converge);

        _nodes["hub"].Mesh.Tell(new MeshDirectory.LocalDevices([]));

        await AwaitAssertAsync(async () => Assert.Empty(await VisibleAsync("guest")), Converge);
        await AwaitAssertAsync(async () => Assert.Empty(await VisibleAsync("desk")), Converge);
    }

    private async Task<IReadOnlyList<VisibleDevice>> VisibleAsync(string node) =>
        (await _nodes[node].Mesh.Ask<MeshDirectory.Visible>(MeshDirectory.GetVisible.Instance, TimeSpan.FromSeconds(5))).Devices;

    private async Task StartAsync(string name, string[] trusted)
    {
        var identity = _ids[name];
        var trust = TrustList.Of(trusted.Select(t => new TrustedPeer(t, _ids[t].Id, Admin: false, Origin: "test")));
        var system = ActorSystem.Create(name);
        var transport = new InMemoryTransport(_network, identity.Id, trust.RefusalOf, RemoteTestNode.Quick);
        var remoting = new Remoting(system, identity.Id, [transport], MeshMessages.Register(new MessageSerializers()),
            RemotingSettings.Default with { ReconnectMinBackoff = TimeSpan.FromMilliseconds(50), ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500) });
        _owned.Add(remoting);
        await remoting.ListenAsync([$"mem://{name}"], default);
        foreach (var peer in trusted)
        {
            remoting.AddAddresses(_ids[peer].Id, [$"mem://{peer}"]);
        }

        var settings = new MeshDirectory.Settings(name, [$"mem://{name}"], RelayCapable: false, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1));
        var mesh = system.ActorOf(MeshActor.Props(settings, identity, () => trust, remoting), MeshActor.Name);
        _nodes[name] = (system, mesh, trust);
    }
}
