using UsbMesh.Mesh.Membership;

namespace UsbMesh.Mesh.Tests.Membership;

public sealed class FailureDetectorRegistryTests
{
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public void Each_node_has_its_own_detector_created_by_its_first_heartbeat()
    {
        var registry = new FailureDetectorRegistry(FailureDetectorSettings.Default, _clock);
        Assert.True(registry.IsAvailable(Nodes.A));
        Assert.False(registry.IsMonitoring(Nodes.A));

        for (var i = 0; i < 10; i++)
        {
            registry.Heartbeat(Nodes.A);
            registry.Heartbeat(Nodes.B);
            _clock.Advance(1000);
        }

        for (var i = 0; i < 30; i++)
        {
            registry.Heartbeat(Nodes.B);
            _clock.Advance(1000);
        }

        Assert.False(registry.IsAvailable(Nodes.A));
        Assert.True(registry.IsAvailable(Nodes.B));
        Assert.Equal(2, registry.Monitored.Count);
    }

    [Fact]
    public void A_removed_node_is_no_longer_watched()
    {
        var registry = new FailureDetectorRegistry(FailureDetectorSettings.Default, _clock);
        registry.Heartbeat(Nodes.A);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(registry.IsAvailable(Nodes.A));

        registry.Remove(Nodes.A);

        Assert.False(registry.IsMonitoring(Nodes.A));
        Assert.True(registry.IsAvailable(Nodes.A));
        Assert.Equal(0.0, registry.Phi(Nodes.A));
    }
}
