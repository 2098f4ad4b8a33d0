using UsbMesh.Devices.Emulated;
using UsbMesh.Sessions.Client;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.Sessions.Tests;

/// <summary>The in-process client API: a device of the hub used by a program on the desk.</summary>
public sealed class RemoteDeviceTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private SessionNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await SessionNodes.StartAsync(Sys, SessionSettings.Default with { GracePeriod = TimeSpan.FromSeconds(2) });

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_program_runs_transfers_as_tasks_and_cancelling_one_unlinks_it()
    {
        await using var device = await RemoteDevice.OpenAsync(Sys, _nodes.Imports, _nodes.HubId, SessionNodes.BusId);

        var descriptor = await device.ControlAsync(SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18)).WaitAsync(Bound);
        Assert.Equal(device.Info.Device.ToBytes(), descriptor.InData.ToArray());
        var writes = Enumerable.Range(1, 16).Select(i => device.BulkOutAsync(1, new[] { (byte)i })).ToList();
        Assert.All(await Task.WhenAll(writes).WaitAsync(Bound), r => Assert.Equal(UrbStatus.Completed, r.Status));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), _nodes.Loopback.Received.Select(b => b[0]));
        Assert.Equal(64, (await device.BulkInAsync(1, 64).WaitAsync(Bound)).ActualLength);

        _nodes.Loopback.Hold(LoopbackDevice.InterruptIn);
        using var cancel = new CancellationTokenSource();
        var report = device.InterruptInAsync(2, 8, cancellationToken: cancel.Token);
        await _nodes.Loopback.NextPendingAsync().AsTask().WaitAsync(Bound);
        await cancel.CancelAsync();
        Assert.Equal(UrbStatus.Unlinked, (await report.WaitAsync(Bound)).Status);
    }

    [Fact]
    public async Task A_link_down_past_the_grace_period_ends_pending_transfers_and_says_the_device_is_gone()
    {
        var device = await RemoteDevice.OpenAsync(Sys, _nodes.Imports, _nodes.HubId, SessionNodes.BusId);
        _nodes.Loopback.Hold(LoopbackDevice.BulkIn);
        var read = device.BulkInAsync(1, 512);
        await _nodes.Loopback.NextPendingAsync().AsTask().WaitAsync(Bound);

        _nodes.Partition();

        Assert.Equal(UrbStatus.DeviceGone, (await read.WaitAsync(Bound)).Status);
        Assert.Contains("grace period", await device.Gone.WaitAsync(Bound), StringComparison.Ordinal);
        Assert.Equal(UrbStatus.DeviceGone, (await device.BulkOutAsync(1, new byte[] { 1 }).WaitAsync(Bound)).Status);
    }
}
