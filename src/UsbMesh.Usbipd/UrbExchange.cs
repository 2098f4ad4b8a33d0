using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Usb;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>A client broke the URB phase's rules (a seqnum reused while in flight); the connection is to end.</summary>
internal sealed class UrbExchangeException(string message) : Exception(message);

/// <summary>
/// The server side of the URB phase for one imported device, apart from any I/O: CMD_SUBMIT and CMD_UNLINK become
/// <see cref="UsbDevice.Submit"/> and <see cref="UsbDevice.Unlink"/> (sent as <c>holder</c>), the device's
/// answers become RET_SUBMIT and RET_UNLINK. A RET_SUBMIT is only made for a seqnum still pending, so an unlink that
/// won (−ECONNRESET) retires its URB and no late reply can follow it (DESIGN §3). Shared by every front that serves
/// USB/IP for a device: the usbipd endpoint's connections and the mesh's device sessions.
/// </summary>
/// <remarks>A successful SET_CONFIGURATION changes the configuration later submits are typed by: a device imported
/// unconfigured (the kernel's usbip-host unconfigures what it binds) gets its endpoints once the client chose one;
/// <c>reconfigured</c> hears of it, to frame isochronous endpoints by the new configuration. Each answer is
/// counted under <c>busId</c> (<see cref="UrbMetrics"/>).</remarks>
internal sealed class UrbExchange : IDisposable
{
    private readonly Dictionary<uint, PendingSubmit> _submits = [];
    private readonly Dictionary<uint, uint> _unlinks = [];
    private readonly string _busId;
    private readonly IActorRef _device;
    private readonly IActorRef _holder;
    private readonly Action<UsbDevice.Info>? _reconfigured;
    private readonly IDisposable _table;
    private UsbDevice.Info _info;

    public UrbExchange(string busId, IActorRef device, UsbDevice.Info info, IActorRef holder, Action<UsbDevice.Info>? reconfigured = null)
    {
        _busId = busId;
        _device = device;
        _holder = holder;
        _reconfigured = reconfigured;
        _info = info;
        _table = UrbTables.Register(UrbTables.Export, busId, () => InFlight);
    }

    /// <summary>The device as the client configured it.</summary>
    public UsbDevice.Info Info => _info;

    /// <summary>URB commands sent to the device and not answered yet.</summary>
    public int InFlight => _submits.Count + _unlinks.Count;

    /// <summary>Hands a CMD_SUBMIT to the device; returns the reply at once when it cannot become a transfer.</summary>
    /// <exception cref="UrbExchangeException">Its seqnum is already in flight.</exception>
    public UsbIpRetSubmit? Submit(UsbIpCmdSubmit submit, Action<string>? refused = null)
    {
        RequireFree(submit.Seqnum, "CMD_SUBMIT");
        var pending = PendingSubmit.For(submit);
        UrbRequest request;
        try
        {
            request = UsbipdTranslation.ToRequest(submit, _info.ActiveConfiguration);
        }
        catch (UrbTranslationException e)
        {
            refused?.Invoke($"CMD_SUBMIT {submit.Seqnum} refused with {e.Status}: {e.Message}");
            UrbMetrics.Answered(_busId, pending.Direction, e.Status, 0, pending.Started);
            return new UsbIpRetSubmit(submit.Seqnum, e.Status, 0, pending.StartFrame, pending.NumberOfPackets, 0, default,
                [.. pending.IsoPackets.Select(p => p with { ActualLength = 0, Status = e.Status })]);
        }

        if (request.Setup is { } setup && setup.IsSetConfiguration(out var value))
        {
            pending = pending with { Configures = value };
        }

        _submits.Add(submit.Seqnum, pending);
        _device.Tell(new UsbDevice.Submit(submit.Seqnum, request), _holder);
        return null;
    }

    /// <summary>Hands a CMD_UNLINK to the device.</summary>
    /// <exception cref="UrbExchangeException">Its seqnum is already in flight.</exception>
    public void Unlink(UsbIpCmdUnlink unlink)
    {
        RequireFree(unlink.Seqnum, "CMD_UNLINK");
        _unlinks.Add(unlink.Seqnum, unlink.UnlinkSeqnum);
        _device.Tell(new UsbDevice.Unlink(unlink.Seqnum, unlink.UnlinkSeqnum), _holder);
    }

    /// <summary>The RET_SUBMIT for a completion, or null when its URB is no longer pending (unlinked meanwhile).</summary>
    public UsbIpRetSubmit? Completed(UsbDevice.SubmitCompleted completed)
    {
        if (!_submits.Remove((uint)completed.Seqnum, out var pending))
        {
            return null;
        }

        if (pending.Configures is { } value && completed.Result.Status == UrbStatus.Completed)
        {
            _info = _info with { ActiveConfigurationValue = value };
            _reconfigured?.Invoke(_info);
        }

        var reply = UsbipdTranslation.ToReply((uint)completed.Seqnum, pending, completed.Result);
        UrbMetrics.Answered(_busId, pending.Direction, reply.Status, reply.ActualLength, pending.Started);
        return reply;
    }

    /// <summary>The RET_UNLINK for an unlink's completion and whether it retired its URB (which then never gets a
    /// RET_SUBMIT); null for an unlink not pending here.</summary>
    public (UsbIpRetUnlink Reply, bool RetiredUrb)? UnlinkCompleted(UsbDevice.UnlinkCompleted completed)
    {
        var seqnum = (uint)completed.Seqnum;
        if (!_unlinks.Remove(seqnum, out var target))
        {
            return null;
        }

        var retired = false;
        if (completed.Status == UsbIpConstants.StatusConnReset && _submits.Remove(target, out var unlinked))
        {
            // Answered by the unlink: counted as a URB that ended with -ECONNRESET.
            retired = true;
            UrbMetrics.Answered(_busId, unlinked.Direction, completed.Status, 0, unlinked.Started);
        }

        return (new UsbIpRetUnlink(seqnum, completed.Status), retired);
    }

    /// <summary>Takes the exchange's URB table off the in-flight gauge; its owner is done with the device.</summary>
    public void Dispose() => _table.Dispose();

    private void RequireFree(uint seqnum, string command)
    {
        if (_submits.ContainsKey(seqnum) || _unlinks.ContainsKey(seqnum))
        {
            throw new UrbExchangeException($"{command} seqnum {seqnum} is already in flight");
        }
    }
}
