using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

/// <summary>
/// A device that takes longer to grant a lease than to describe itself (a device of another node opens its session
/// first): the import waits for the lease up to the import timeout, not the device-request timeout.
/// </summary>
public sealed class SlowImportSpec(ITestOutputHelper output) : UsbipdSpec(output, settings => settings with
{
    DeviceRequestTimeout = TimeSpan.FromMilliseconds(300),
    ImportTimeout = TimeSpan.FromSeconds(3),
})
{
    private static readonly TimeSpan ClaimDelay = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task An_import_waits_for_a_lease_granted_after_the_device_request_timeout_and_within_the_import_timeout()
    {
        Export("1-1", 1, 2);
        var slow = Sys.ActorOf(Props.Create(() => new SlowToClaim(DeviceActors["1-1"], ClaimDelay)), "slow-1-9");
        Exports.Tell(new Exports.Register(new ExportedDevice("1-9", "/sys/devices/platform/usbmesh/1-9", 1, 9, slow)), TestActor);
        ExpectMsg<Exports.Registered>();

        await using var client = await ConnectAsync();
        var reply = await client.ImportAsync("1-9");

        Assert.Equal(UsbipdStatus.Ok, reply.Status);
        Assert.Equal("1-9", reply.Device!.BusId);
        var seq = await client.SubmitAsync(UsbIpDirection.In, 0, 18, setup: GetDeviceDescriptor());
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal(seq, ret.Seqnum);
        Assert.Equal(18, ret.ActualLength);
    }

    /// <summary>Forwards everything to a device, the lease request only after a delay.</summary>
    private sealed class SlowToClaim : ReceiveActor
    {
        public SlowToClaim(IActorRef device, TimeSpan delay)
        {
            ReceiveAsync<UsbDevice.Claim>(async claim =>
            {
                var sender = Sender;
                await Task.Delay(delay);
                device.Tell(claim, sender);
            });
            ReceiveAny(message => device.Forward(message));
        }
    }
}
