using UsbMesh.Actors;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Tests.Scenarios;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Relay;

/// <summary>The membership tells remoting which members it may relay through: the relay-capable ones that are up.</summary>
public sealed class RelayMembershipTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);
    private readonly ScenarioMesh _mesh = new();

    public async Task InitializeAsync()
    {
        string[] all = ["hub", "desk", "relay"];
        await _mesh.StartAsync("hub", [.. all.Where(n => n != "hub")], seeds: ["hub"], system: Sys);
        await _mesh.StartAsync("desk", [.. all.Where(n => n != "desk")], seeds: ["hub"]);
        await _mesh.StartAsync("relay", [.. all.Where(n => n != "relay")], seeds: ["hub"], relayCapable: true);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Every_other_member_relays_through_the_relay_capable_member_once_it_is_up_and_stops_when_it_leaves()
    {
        await AwaitAssertAsync(() =>
        {
            Assert.Equal([_mesh.IdOf("relay")], _mesh["hub"].Remoting.Relays);
            Assert.Equal([_mesh.IdOf("relay")], _mesh["desk"].Remoting.Relays);
            Assert.Empty(_mesh["relay"].Remoting.Relays);
            return Task.CompletedTask;
        }, Converge);

        await _mesh["relay"].Mesh.Ask<MeshMembership.Leaving>(MeshMembership.Leave.Instance, TimeSpan.FromSeconds(5));

        await AwaitAssertAsync(() =>
        {
            Assert.Empty(_mesh["hub"].Remoting.Relays);
            Assert.Empty(_mesh["desk"].Remoting.Relays);
            return Task.CompletedTask;
        }, Converge);
    }
}
