using System.Buffers.Binary;
using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.Sessions.Tests;

/// <summary>A device of the hub used on the desk, which cannot reach the hub: the session's lanes run through a
/// relay, end to end encrypted, and resume through it after a cut.</summary>
public sealed class RelayedSessionTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly SessionSettings Settings = SessionSettings.Default with { GracePeriod = TimeSpan.FromSeconds(5), HandshakeTimeout = TimeSpan.FromSeconds(10) };
    private SessionNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await SessionNodes.StartAsync(Sys, Settings, throughRelay: true);

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task Bulk_writes_through_a_relay_arrive_once_each_and_in_order_across_a_cut_of_the_desks_link_to_it()
    {
        var opened = await _nodes.Imports.Ask(new Imports.Open(_nodes.HubId, SessionNodes.BusId), Bound) switch
        {
            Imports.Opened o => o,
            var other => throw new Xunit.Sdk.XunitException($"the import did not open: {other}"),
        };
        Assert.IsType<UsbDevice.Claimed>(await opened.Device.Ask(new UsbDevice.Claim(TestActor), Bound));
        Assert.DoesNotContain(_nodes.HubId, _nodes.Desk.ConnectedNodes);

        const int count = 300;
        var completed = 0;
        for (var i = 1; i <= count; i++)
        {
            var data = new byte[4096];
            BinaryPrimitives.WriteInt32BigEndian(data, i);
            opened.Device.Tell(new UsbDevice.Submit(i, UrbRequest.BulkOut(1, data)), TestActor);
            if (i == count / 2)
            {
                // Writes on the wire both ways when the desk loses the relay; the session resumes through it again.
                _nodes.Network.Cut("mem://desk", "mem://relay");
            }

            while (i - completed >= 32)
            {
                Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);
                completed++;
            }
        }

        while (completed < count)
        {
            Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);
            completed++;
        }

        Assert.Equal(Enumerable.Range(1, count), _nodes.Loopback.Received.Select(b => BinaryPrimitives.ReadInt32BigEndian(b)));
        Assert.DoesNotContain(_nodes.HubId, _nodes.Desk.ConnectedNodes);
    }
}
