using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Usb;

namespace UsbMesh.Devices;

/// <summary>
/// One exported device (DESIGN §2: <c>usb-host/&lt;busid&gt;</c> or a gadget): owns its backend, grants the lease to
/// one holder at a time, and routes URBs to one <see cref="EndpointPipeActor"/> child per endpoint in use
/// (<c>ep-00</c> for all control transfers, <c>ep-81</c>, <c>ep-02</c> …).
/// </summary>
/// <remarks>
/// <para><b>Lease.</b> <see cref="UsbDevice.Claim"/> grants it when free (or to its holder again), otherwise answers
/// <see cref="UsbDevice.Busy"/>. The holder is watched: its <see cref="Terminated"/>, like
/// <see cref="UsbDevice.Release"/>, ends the lease at once and unlinks its URBs at the backend, so a dead client never
/// blocks the next one. Submit and Unlink from anyone else are refused with <see cref="UsbDevice.NotHolder"/>.</para>
/// <para><b>Special requests.</b> SET_CONFIGURATION, SET_INTERFACE, CLEAR_FEATURE(ENDPOINT_HALT) and port reset are
/// carried out through the backend (<see cref="StandardRequests"/>) and answered with status 0, never passed to the
/// device as control transfers. Design choice: they run on the ep-00 pipe rather than in this actor, so replies on
/// endpoint 0 keep submission order like any other endpoint (a SET_INTERFACE answered here could overtake a
/// GET_DESCRIPTOR still in flight on ep-00) and an unlink of them follows the same rules. The pipe reports each
/// one back (<see cref="EndpointPipe.SpecialRequestDone"/>) before the holder sees the reply, and this actor then
/// clears the halted state of the endpoints concerned.</para>
/// <para><b>Unlink routing.</b> CMD_UNLINK names only a seqnum, so this actor remembers which pipe each URB went to
/// until the pipe reports it answered (<see cref="EndpointPipe.Retired"/>, tagged with the lease epoch so a stale
/// report cannot drop the route of the next holder's reused seqnum). An unlink for a seqnum without a route is
/// answered 0 here: its URB was answered already, or never existed.</para>
/// <para><b>Stop.</b> The pipes stop first and answer what their holder still waits for; then the backend is
/// disposed (a real device is closed, an emulated one completes its pending transfers as gone).</para>
/// </remarks>
public sealed class UsbDeviceActor : ReceiveActor
{
    private readonly IUsbDeviceBackend _backend;
    private readonly UsbDeviceSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<byte, IActorRef> _pipes = [];
    private readonly Dictionary<long, IActorRef> _routes = [];
    private readonly HashSet<byte> _halted = [];
    private IActorRef? _holder;
    private int _epoch;

    /// <summary>Creates the device actor; use through <see cref="Props"/>.</summary>
    /// <param name="backend">The device; the actor owns it and disposes it when it stops.</param>
    /// <param name="settings">Limits (defaults when null).</param>
    public UsbDeviceActor(IUsbDeviceBackend backend, UsbDeviceSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        _settings = settings ?? UsbDeviceSettings.Default;
        _log = Context.GetLogger();

        Receive<UsbDevice.Submit>(OnSubmit);
        Receive<UsbDevice.Unlink>(OnUnlink);
        Receive<EndpointPipe.Retired>(OnRetired);
        Receive<UsbDevice.Claim>(OnClaim);
        Receive<UsbDevice.Release>(OnRelease);
        Receive<Terminated>(OnTerminated);
        Receive<EndpointPipe.Halted>(h => _halted.Add(h.Address));
        Receive<EndpointPipe.SpecialRequestDone>(OnSpecialRequestDone);
        Receive<UsbDevice.GetInfo>(_ => Sender.Tell(new UsbDevice.Info(
            _backend.Device, _backend.Configurations, _backend.Speed, _backend.ActiveConfigurationValue, _holder,
            new HashSet<byte>(_halted))));
    }

    /// <summary>Props for a device actor.</summary>
    /// <param name="backend">The device; the actor owns it.</param>
    /// <param name="settings">Limits (defaults when null).</param>
    public static Props Props(IUsbDeviceBackend backend, UsbDeviceSettings? settings = null) =>
        Actors.Props.Create(() => new UsbDeviceActor(backend, settings)).WithDispatcher((settings ?? UsbDeviceSettings.Default).Dispatcher);

    /// <summary>The pipe key of a request: 0x00 for every control transfer, otherwise the endpoint address.</summary>
    /// <param name="request">The URB.</param>
    public static byte PipeAddressFor(UrbRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.TransferType == TransferType.Control ? (byte)request.EndpointNumber : request.EndpointAddress;
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        var backend = _backend;
        var log = _log;
        _ = DisposeAsync();

        async Task DisposeAsync()
        {
            try
            {
                await backend.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                log.Warning(e, "Disposing the device backend failed");
            }
        }
    }

    private bool IsHolder(IActorRef actor) => _holder is not null && _holder.Equals(actor);

    private void OnSubmit(UsbDevice.Submit submit)
    {
        if (!IsHolder(Sender))
        {
            Sender.Tell(new UsbDevice.NotHolder(submit));
            return;
        }

        var pipe = PipeFor(PipeAddressFor(submit.Request));
        _routes[submit.Seqnum] = pipe;
        pipe.Tell(submit, Sender);
    }

    private void OnUnlink(UsbDevice.Unlink unlink)
    {
        if (!IsHolder(Sender))
        {
            Sender.Tell(new UsbDevice.NotHolder(unlink));
            return;
        }

        if (_routes.TryGetValue(unlink.UnlinkSeqnum, out var pipe))
        {
            pipe.Tell(unlink, Sender);
        }
        else
        {
            Sender.Tell(new UsbDevice.UnlinkCompleted(unlink.Seqnum, 0));
        }
    }

    private void OnRetired(EndpointPipe.Retired retired)
    {
        if (retired.Epoch == _epoch && _routes.TryGetValue(retired.Seqnum, out var pipe) && pipe.Equals(Sender))
        {
            _routes.Remove(retired.Seqnum);
        }
    }

    private void OnClaim(UsbDevice.Claim claim)
    {
        if (_holder is null)
        {
            _holder = claim.Holder;
            Context.Watch(claim.Holder);
            _log.Debug("Leased to {Holder}", claim.Holder);
        }

        Sender.Tell(_holder.Equals(claim.Holder) ? new UsbDevice.Claimed(claim.Holder) : new UsbDevice.Busy(_holder));
    }

    private void OnRelease(UsbDevice.Release release)
    {
        if (!IsHolder(release.Holder))
        {
            Sender.Tell(new UsbDevice.NotHolder(release));
            return;
        }

        EndLease("released");
        Sender.Tell(new UsbDevice.Released(release.Holder));
    }

    private void OnTerminated(Terminated terminated)
    {
        if (IsHolder(terminated.ActorRef))
        {
            EndLease("holder stopped");
        }
    }

    private void EndLease(string reason)
    {
        _log.Debug("Lease of {Holder} ended: {Reason}", _holder, reason);
        Context.Unwatch(_holder!);
        _holder = null;
        _epoch++;
        _routes.Clear();
        foreach (var pipe in _pipes.Values)
        {
            pipe.Tell(EndpointPipe.LeaseEnded.Instance);
        }

        var log = _log;
        _backend.LeaseEndedAsync().ContinueWith(
            t => log.Warning(t.Exception!.GetBaseException(), "Handing the device back after its lease failed"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private void OnSpecialRequestDone(EndpointPipe.SpecialRequestDone done)
    {
        if (done.Result.Status != UrbStatus.Completed)
        {
            return;
        }

        switch (done.Kind)
        {
            case StandardRequestKind.ClearEndpointHalt:
                ClearHalt((byte)done.Setup.Index);
                break;
            case StandardRequestKind.SetInterface:
                // A new alternate setting resets the interface's endpoints (any alternate setting's addresses).
                var configuration = _backend.Configurations.FirstOrDefault(c => c.ConfigurationValue == _backend.ActiveConfigurationValue);
                foreach (var endpoint in configuration?.Interfaces.Where(i => i.InterfaceNumber == (byte)done.Setup.Index).SelectMany(i => i.Endpoints) ?? [])
                {
                    ClearHalt(endpoint.Address);
                }

                break;
            case StandardRequestKind.SetConfiguration:
            case StandardRequestKind.PortReset:
                foreach (var address in _halted.ToArray())
                {
                    ClearHalt(address);
                }

                break;
        }
    }

    private void ClearHalt(byte address)
    {
        _halted.Remove(address);
        if (_pipes.TryGetValue(address, out var pipe))
        {
            pipe.Tell(EndpointPipe.ClearHalt.Instance);
        }
    }

    private IActorRef PipeFor(byte address)
    {
        if (!_pipes.TryGetValue(address, out var pipe))
        {
            pipe = Context.ActorOf(
                EndpointPipeActor.Props(address, _backend, _settings, _epoch).WithDispatcher(_settings.Dispatcher),
                EndpointPipeActor.NameFor(address));
            _pipes.Add(address, pipe);
        }

        return pipe;
    }
}
