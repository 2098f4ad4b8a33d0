using UsbMesh.Actors;
using UsbMesh.Actors.Event;

namespace UsbMesh.Demo;

/// <summary>A USB device as a device actor sees it: it counts transfers and fails on a simulated stall.</summary>
internal sealed class SimulatedDevice : ReceiveActor
{
    private long _transfers;
    private long _bytes;

    public SimulatedDevice(DeviceInfo info, int stallOnTransfer)
    {
        var log = Context.GetLogger();
        Receive<Transfer>(t =>
        {
            _transfers++;
            _bytes += t.Length;
            if (_transfers == stallOnTransfer)
            {
                throw new IOException($"endpoint stall on {info.BusId} after {_transfers} transfers");
            }
        });
        Receive<DeviceProtocol.GetStats>(_ => Sender.Tell(new DeviceProtocol.Stats(info, _transfers, _bytes)));
        log.Info("Device {BusId} {VidPid} ({Name}) attached", info.BusId, info.VidPid, info.Name);
    }

    protected override void PostRestart(Exception reason) =>
        Context.GetLogger().Warning("Device actor restarted with fresh state after: {Reason}", reason.Message);

    protected override void PostStop() => Context.GetLogger().Info("Device actor stopped");
}

internal sealed record DeviceInfo(string BusId, string VidPid, string Name);

internal sealed record Transfer(int Length);

internal static class DeviceProtocol
{
    public sealed record GetStats;

    public sealed record Stats(DeviceInfo Device, long Transfers, long Bytes);
}
