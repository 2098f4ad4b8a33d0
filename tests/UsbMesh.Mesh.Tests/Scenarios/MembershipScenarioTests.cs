using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Tests.Remote;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Scenarios;

/// <summary>
/// Three or four nodes that trust one another, over the in-memory network: joining through a seed, leaving, a
/// crash, partitions short and long, and death watch across nodes when a member is downed.
/// </summary>
public sealed class MembershipScenarioTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);
    private static readonly string[] Names = ["hub", "desk", "relay", "spare"];
    private readonly ScenarioMesh _mesh = new();

    public async Task InitializeAsync()
    {
        // The hub is this test kit's system, so probes can watch from it.
        await _mesh.StartAsync("hub", Others("hub"), seeds: ["hub"], system: Sys);
        await _mesh.StartAsync("desk", Others("desk"), seeds: ["hub"]);
        await _mesh.StartAsync("relay", Others("relay"), seeds: ["hub"]);
        await AllSeeAsync(["hub", "desk", "relay"], DisplayedStatus.Up);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task A_node_joining_through_any_member_becomes_up_everywhere()
    {
        await _mesh.StartAsync("spare", Others("spare"), seeds: ["relay"]);

        await AllSeeAsync(["hub", "desk", "relay", "spare"], DisplayedStatus.Up);
    }

    [Fact]
    public async Task A_node_that_leaves_is_removed_everywhere_without_being_downed()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(MemberDowned));

        _mesh["desk"].Mesh.Tell(MeshMembership.Leave.Instance);

        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(DisplayedStatus.Removed, await _mesh.StatusAsync("hub", "desk") ?? DisplayedStatus.Removed);
            Assert.Equal(DisplayedStatus.Removed, await _mesh.StatusAsync("relay", "desk") ?? DisplayedStatus.Removed);
        }, Converge);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_crashed_node_becomes_unreachable_then_down_and_its_actors_count_as_terminated()
    {
        _mesh["desk"].System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _mesh["hub"].Remoting.ActorFor(_mesh.IdOf("desk"), "/user/echo");
        Watch(remoteEcho);
        Sys.EventStream.Subscribe(TestActor, typeof(MemberUnreachable));

        await _mesh.CrashAsync("desk");

        ExpectMsg<MemberUnreachable>(m => m.Member.Name == "desk", Converge);
        var terminated = ExpectTerminated(remoteEcho, Converge);
        Assert.True(terminated.AddressTerminated);
        await AwaitAssertAsync(async () => Assert.Equal(DisplayedStatus.Removed, await _mesh.StatusAsync("relay", "desk") ?? DisplayedStatus.Removed), Converge);
    }

    [Fact]
    public async Task A_short_partition_makes_a_node_unreachable_and_then_reachable_again_without_a_downing()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(MemberUnreachable));
        Sys.EventStream.Subscribe(TestActor, typeof(MemberReachable));
        var downed = CreateTestProbe();
        Sys.EventStream.Subscribe(downed.Ref, typeof(MemberDowned));

        _mesh.Isolate("relay");
        FishForMessage<MemberUnreachable>(m => m.Member.Name == "relay", Converge);
        _mesh.Heal("relay");

        // The cut-off node's own verdicts (everyone else unreachable) arrive with the heal and are withdrawn soon
        // after: other events come and go; what counts is that the node comes back and nobody is downed.
        FishForMessage<MemberReachable>(m => m.Member.Name == "relay", Converge);
        await AllSeeAsync(["hub", "desk", "relay"], DisplayedStatus.Up);
        downed.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task After_a_long_partition_the_cut_off_node_is_downed_then_rejoins_and_its_devices_come_back()
    {
        var keyboard = new AnnouncedDevice("1-1", 0x046d, 0xc31c, 3, "full", null, "Keyboard", null, []);
        _mesh["relay"].Mesh.Tell(new MeshDirectory.LocalDevices([new ExportedDevice(keyboard, ["*"])]));
        await AwaitAssertAsync(async () => Assert.Single(await _mesh.VisibleAsync("desk")), Converge);
        Sys.EventStream.Subscribe(TestActor, typeof(MemberDowned));
        var downedOnHub = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Sys.EventStream.Subscribe(Sys.ActorOf(Props.Create(() => new DownRecorder(downedOnHub))), typeof(MemberDowned));

        _mesh.Isolate("relay");
        FishForMessage<MemberDowned>(m => m.Member.Name == "relay", Converge);
        await AwaitAssertAsync(async () => Assert.Empty(await _mesh.VisibleAsync("desk")), Converge);
        _mesh.Heal("relay");

        await AllSeeAsync(["hub", "desk", "relay"], DisplayedStatus.Up);
        await AwaitAssertAsync(async () => Assert.Single(await _mesh.VisibleAsync("desk")), Converge);

        // Only the node that was cut off was downed: the two that stayed together never down each other.
        Assert.All(downedOnHub, name => Assert.Equal("relay", name));
    }

    /// <summary>Keeps the names of the members the hub saw downed.</summary>
    private sealed class DownRecorder : ReceiveActor
    {
        public DownRecorder(System.Collections.Concurrent.ConcurrentQueue<string> names) =>
            Receive<MemberDowned>(downed => names.Enqueue(downed.Member.Name));
    }

    private static string[] Others(string name) => [.. Names.Where(n => n != name)];

    private async Task AllSeeAsync(string[] nodes, DisplayedStatus status) =>
        await AwaitAssertAsync(async () =>
        {
            foreach (var viewer in nodes)
            {
                foreach (var subject in nodes)
                {
                    Assert.True(status == await _mesh.StatusAsync(viewer, subject), $"{viewer} sees {subject} as {await _mesh.StatusAsync(viewer, subject)}, not {status}; views: {string.Join(" || ", await Task.WhenAll(nodes.Select(async n => $"{n}: {await _mesh.DescribeAsync(n)}")))}");
                }
            }
        }, Converge);
}
