using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Usb;

namespace UsbMesh.Sessions.Client;

/// <summary>Holds an imported device for a <see cref="RemoteDevice"/>: numbers its transfers, completes their tasks
/// from the device's replies, and ends them all when the device goes.</summary>
internal sealed class RemoteDeviceHolder : ReceiveActor
{
    private readonly IActorRef _device;
    private readonly TaskCompletionSource<string> _gone;
    private readonly Dictionary<long, Transfer> _pending = [];
    private readonly Dictionary<long, long> _unlinks = [];
    private long _seqnum;
    private IActorRef? _releaseRequester;

    public RemoteDeviceHolder(IActorRef device, TaskCompletionSource<string> gone)
    {
        _device = device;
        _gone = gone;
        Receive<ClaimIt>(_ =>
        {
            Context.Watch(_device);
            _device.Tell(new UsbDevice.Claim(Self), Sender);
        });
        Receive<Transfer>(transfer =>
        {
            if (_gone.Task.IsCompleted)
            {
                transfer.Result.TrySetResult(new UrbResult(UrbStatus.DeviceGone, 0));
                return;
            }

            var seqnum = ++_seqnum;
            _pending[seqnum] = transfer;
            _device.Tell(new UsbDevice.Submit(seqnum, transfer.Request));
        });
        Receive<Cancel>(cancel =>
        {
            var entry = _pending.FirstOrDefault(p => ReferenceEquals(p.Value, cancel.Transfer));
            if (entry.Value is not null)
            {
                _unlinks[++_seqnum] = entry.Key;
                _device.Tell(new UsbDevice.Unlink(_seqnum, entry.Key));
            }
        });
        Receive<UsbDevice.SubmitCompleted>(completed =>
        {
            if (_pending.Remove(completed.Seqnum, out var transfer))
            {
                transfer.Result.TrySetResult(completed.Result);
            }
        });
        Receive<UsbDevice.UnlinkCompleted>(completed =>
        {
            // An unlink that won means no reply will come for its transfer: it ends here, as unlinked.
            if (_unlinks.Remove(completed.Seqnum, out var target) && completed.Status == UsbIp.UsbIpConstants.StatusConnReset
                && _pending.Remove(target, out var transfer))
            {
                transfer.Result.TrySetResult(new UrbResult(UrbStatus.Unlinked, 0));
            }
        });
        Receive<UsbDevice.Gone>(gone => End(gone.Reason));
        Receive<ReleaseIt>(_ =>
        {
            _releaseRequester = Sender;
            _device.Tell(new UsbDevice.Release(Self));
        });
        Receive<UsbDevice.Released>(released =>
        {
            _releaseRequester?.Tell(released);
            End("released");
        });
        Receive<Terminated>(_ => End("the device is gone"));
    }

    public static Props Props(IActorRef device, TaskCompletionSource<string> gone) => Actors.Props.Create(() => new RemoteDeviceHolder(device, gone));

    protected override void PostStop() => End("the program let go of it");

    private void End(string reason)
    {
        foreach (var transfer in _pending.Values)
        {
            transfer.Result.TrySetResult(new UrbResult(UrbStatus.DeviceGone, 0));
        }

        _pending.Clear();
        _gone.TrySetResult(reason);
        Context.Stop(Self);
    }

    internal sealed record Transfer(UrbRequest Request, TaskCompletionSource<UrbResult> Result);

    internal sealed record Cancel(Transfer Transfer);

    internal sealed record ClaimIt
    {
        public static readonly ClaimIt Instance = new();
    }

    internal sealed record ReleaseIt
    {
        public static readonly ReleaseIt Instance = new();
    }
}
