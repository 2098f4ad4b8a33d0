using UsbMesh.Actors;
using UsbMesh.Actors.Event;

namespace UsbMesh.Demo;

/// <summary>
/// Stands in for the USB host actor: it owns a blocking event loop on its own pinned thread (one bounded wait per
/// <see cref="Poll"/>, as libusb's handle-events call will be), turns hotplug events from a script into device actors,
/// and supervises them: a stalled device is restarted, a device that keeps failing is stopped.
/// </summary>
internal sealed class SimulatedUsbHost : ReceiveActor
{
    private static readonly TimeSpan EventWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, IActorRef> _devices = [];
    private int _polls;

    public SimulatedUsbHost(IReadOnlyList<HotplugEvent> script)
    {
        var log = Context.GetLogger();
        Receive<Poll>(_ =>
        {
            Thread.Sleep(EventWait);
            _polls++;
            foreach (var e in script.Where(e => e.AtPoll == _polls))
            {
                Apply(e, log);
            }

            foreach (var device in _devices.Values)
            {
                device.Tell(new Transfer(512));
            }

            Self.Tell(Poll.Instance);
        });
        Receive<Terminated>(t =>
        {
            _devices.Remove(t.ActorRef.Path.Name);
            log.Info("Device actor {Path} is gone", t.ActorRef.Path.ToStringWithoutAddress());
        });
        ReceiveAsync<HostProtocol.GetStatus>(async _ =>
        {
            var stats = await Task.WhenAll(_devices.Values.Select(d => d.Ask<DeviceProtocol.Stats>(new DeviceProtocol.GetStats(), StatsTimeout)));
            Sender.Tell(new HostProtocol.Status(Thread.CurrentThread.Name ?? "?", _polls, stats));
        });
    }

    protected override void PreStart() => Self.Tell(Poll.Instance);

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 2, withinTimeRange: TimeSpan.FromSeconds(10), decider: e => e switch
        {
            IOException => Directive.Restart,
            _ => Actors.SupervisorStrategy.DefaultDecider(e),
        });

    private void Apply(HotplugEvent e, ILoggingAdapter log)
    {
        if (e.Arrived)
        {
            var device = Context.ActorOf(Props.Create(() => new SimulatedDevice(e.Device, e.StallOnTransfer)), e.Device.BusId);
            _devices[e.Device.BusId] = Context.Watch(device);
        }
        else if (_devices.Remove(e.Device.BusId, out var gone))
        {
            log.Info("Device {BusId} unplugged", e.Device.BusId);
            Context.Stop(gone);
        }
    }

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}

/// <summary>One scripted plug or unplug; <see cref="StallOnTransfer"/> makes the device fail on that transfer.</summary>
internal sealed record HotplugEvent(int AtPoll, bool Arrived, DeviceInfo Device, int StallOnTransfer = 0);

internal static class HostProtocol
{
    public sealed record GetStatus;

    public sealed record Status(string EventLoopThread, int Polls, IReadOnlyList<DeviceProtocol.Stats> Devices);
}
