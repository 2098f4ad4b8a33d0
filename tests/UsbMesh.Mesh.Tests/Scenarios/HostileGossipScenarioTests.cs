using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Tests.Announcements;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Scenarios;

/// <summary>
/// A desk that trusts the hub and mallory; the hub is away, and mallory (a trusted peer gone bad) passes the hub's
/// announcements on through real gossip messages, genuine, changed, signed with its own key in the hub's name, or
/// replayed. The desk shows exactly what the hub signed last, logs every refusal, and keeps serving.
/// </summary>
public sealed class HostileGossipScenarioTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);
    private readonly ScenarioMesh _mesh = new();
    private NodeIdentity _hub = null!;
    private NodeId _desk;

    public async Task InitializeAsync()
    {
        _hub = _mesh.Identity("hub");
        _desk = _mesh.IdOf("desk");
        await _mesh.StartAsync("mallory", ["desk"]);
        await _mesh.StartAsync("desk", ["hub", "mallory"], seeds: ["mallory"], system: Sys);
        await AwaitAssertAsync(() =>
        {
            Assert.Contains(_desk, _mesh["mallory"].Remoting.ConnectedNodes);
            return Task.CompletedTask;
        }, Converge);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Mallory_passes_on_the_hubs_announcements_and_only_what_the_hub_signed_last_is_shown()
    {
        var first = Announce(7, "1-1");
        await PassedOnAndShownAsync(first, "1-1");

        // Every field changed on the way, and the whole claimed by mallory's own key: eight refusals, eight warnings.
        var unchanged = first.Announcement with { Sequence = 8 };
        byte[][] forged =
        [
            Samples.Tampered(first, unchanged with { Devices = [unchanged.Devices[0] with { BusId = "1-9" }] }),
            Samples.Tampered(first, unchanged with { Devices = [unchanged.Devices[0] with { Audience = [_desk, _mesh.IdOf("mallory")] }] }),
            Samples.Tampered(first, unchanged with { Devices = [] }),
            Samples.Tampered(first, unchanged with { Addresses = ["203.0.113.66:7946"] }),
            Samples.Tampered(first, unchanged with { ExpiresAt = unchanged.ExpiresAt.AddDays(30) }),
            Samples.Tampered(first, unchanged with { Origin = _mesh.IdOf("mallory") }),
            Samples.Tampered(first, unchanged with { RelayCapable = !unchanged.RelayCapable }),
            Samples.SignedBy(_mesh["mallory"].Identity, unchanged with { Devices = [unchanged.Devices[0] with { BusId = "6-6" }] }),
        ];
        await EventFilter.Warning(contains: "that was refused: the signature is not").ExpectAsync(forged.Length, () =>
        {
            PassOn(forged);
            return Task.CompletedTask;
        }, Converge);
        Assert.Equal(["1-1"], await VisibleBusIdsAsync());

        // A newer genuine announcement replaces the first; the first, replayed, changes nothing. The forged one after
        // it is the mark that the replay was handled: the desk handles one node's messages in order.
        await PassedOnAndShownAsync(Announce(9, "1-2"), "1-2");
        await EventFilter.Warning(contains: "that was refused").ExpectOneAsync(() =>
        {
            PassOn(first.ToWire(), forged[0]);
            return Task.CompletedTask;
        }, Converge);
        Assert.Equal(["1-2"], await VisibleBusIdsAsync());

        // The desk is up and keeps serving the honest path.
        await PassedOnAndShownAsync(Announce(10, "1-3"), "1-3");
    }

    private SignedAnnouncement Announce(long sequence, string busId) =>
        SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, sequence, DateTimeOffset.UtcNow, devices: Samples.Device(busId, _desk)));

    /// <summary>Mallory hands the desk's directory these announcements, as gossip does.</summary>
    private void PassOn(params byte[][] wires) =>
        _mesh["mallory"].Remoting.ActorFor(_desk, MeshDirectory.ActorPath).Tell(new MeshDirectory.Offers(wires), _mesh["mallory"].Mesh);

    /// <summary>Passes on a genuine announcement until the desk shows its device. Remote messages may be lost while
    /// a connection is replaced, as gossip knows and repeats itself; the copies after the first are duplicates.</summary>
    private async Task PassedOnAndShownAsync(SignedAnnouncement genuine, string busId) =>
        await AwaitAssertAsync(async () =>
        {
            PassOn(genuine.ToWire());
            await Task.Delay(100);
            Assert.Equal([busId], await VisibleBusIdsAsync());
        }, Converge, TimeSpan.FromMilliseconds(200));

    private async Task<string[]> VisibleBusIdsAsync() =>
        [.. (await _mesh.VisibleAsync("desk")).Select(d => d.Device.BusId)];
}
