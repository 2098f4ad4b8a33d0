using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Usb;

namespace UsbMesh.Devices;

/// <summary>
/// One endpoint in use (ep-00 carries all control transfers, both directions). Starts every URB at once at the
/// backend — many in flight, never one at a time — and answers the holder in submission order.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> Each URB gets an entry in a FIFO. A completion marks its entry; the pipe then answers from the
/// head of the FIFO for as long as the head is complete, so a completion that overtook an earlier URB is held until
/// that one completes. Endpoints are separate actors, so they interleave freely.</para>
/// <para><b>Unlink</b> (the rules of DESIGN §3, settled here in one place): a URB still at the backend is cancelled;
/// if the backend then reports <see cref="UrbStatus.Unlinked"/>, the unlink won: the holder gets
/// <see cref="UsbDevice.UnlinkCompleted"/>(-104) at once and never a <see cref="UsbDevice.SubmitCompleted"/>, and the
/// entry leaves the FIFO (so it does not hold later URBs back). If the backend reports anything else, the unlink
/// lost: the URB is answered in its place in the order, followed by UnlinkCompleted(0). A URB already completed
/// (answered, or held for order) gets the same: SubmitCompleted first, then 0. An unknown seqnum gets 0 at once.</para>
/// <para><b>Stall.</b> A stall on a non-control endpoint marks the pipe halted and tells the device; the host clears
/// it with CLEAR_FEATURE(ENDPOINT_HALT), which the device relays as <see cref="EndpointPipe.ClearHalt"/>. The pipe
/// does not refuse transfers while halted: the device (or gadget) itself answers them with a stall until cleared,
/// as a real endpoint does, so real and emulated backends behave alike. A control endpoint's stall is a protocol
/// stall that ends with the next SETUP, so ep-00 never halts.</para>
/// <para><b>Bound.</b> At most <see cref="UsbDeviceSettings.MaxUrbsPerEndpoint"/> URBs at the backend or held for
/// order; beyond that a URB is not started and is answered -EPROTO in its place in the order.</para>
/// <para><b>Lease end.</b> <see cref="EndpointPipe.LeaseEnded"/> cancels what is at the backend and forgets the
/// FIFO; those completions are dropped when they come back (they still count toward the bound until then). Entries
/// are keyed by object, not seqnum, so the next holder may reuse seqnums at once.</para>
/// <para><b>Stop.</b> When the pipe stops (device removed), every URB the holder still waits for is answered — held
/// results as they are, the rest with -ESHUTDOWN (or -104 where an unlink was pending) — so no seqnum is left open.</para>
/// </remarks>
public sealed class EndpointPipeActor : ReceiveActor
{
    private static readonly UrbResult Refused = UrbResult.Failed(UrbStatus.Other);
    private static readonly UrbResult Gone = UrbResult.Failed(UrbStatus.DeviceGone);

    private readonly byte _address;
    private readonly IUsbDeviceBackend _backend;
    private readonly int _cap;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<long, Entry> _bySeqnum = [];
    private readonly Queue<Entry> _order = new();
    private readonly HashSet<Entry> _atBackend = [];
    private int _epoch;
    private int _held;
    private bool _halted;

    /// <summary>Creates the pipe; use through <see cref="Props"/>.</summary>
    /// <param name="address">Endpoint address (0x00 for the control pipe).</param>
    /// <param name="backend">The device.</param>
    /// <param name="settings">Limits.</param>
    /// <param name="epoch">The device's current lease epoch.</param>
    public EndpointPipeActor(byte address, IUsbDeviceBackend backend, UsbDeviceSettings settings, int epoch)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxUrbsPerEndpoint, 1);
        _address = address;
        _backend = backend;
        _cap = settings.MaxUrbsPerEndpoint;
        _epoch = epoch;
        _log = Context.GetLogger();

        Receive<UsbDevice.Submit>(OnSubmit);
        Receive<UsbDevice.Unlink>(OnUnlink);
        Receive<TransferDone>(OnTransferDone);
        Receive<EndpointPipe.LeaseEnded>(_ => EndLease());
        Receive<EndpointPipe.ClearHalt>(_ => _halted = false);
        Receive<EndpointPipe.GetState>(_ => Sender.Tell(new EndpointPipe.State(_address, _halted, _atBackend.Count, _held, _epoch)));
    }

    /// <summary>Props for a pipe.</summary>
    /// <param name="address">Endpoint address (0x00 for the control pipe).</param>
    /// <param name="backend">The device.</param>
    /// <param name="settings">Limits.</param>
    /// <param name="epoch">The device's current lease epoch.</param>
    public static Props Props(byte address, IUsbDeviceBackend backend, UsbDeviceSettings settings, int epoch) =>
        Actors.Props.Create(() => new EndpointPipeActor(address, backend, settings, epoch));

    /// <summary>The name of the pipe for <paramref name="address"/>: <c>ep-00</c>, <c>ep-81</c>, <c>ep-02</c>.</summary>
    /// <param name="address">Endpoint address.</param>
    public static string NameFor(byte address) => $"ep-{address:x2}";

    /// <inheritdoc />
    protected override void PostStop()
    {
        foreach (var entry in _order)
        {
            if (entry.Removed)
            {
                continue;
            }

            entry.Removed = true;
            if (entry.Result is { } result)
            {
                Answer(entry, result);
            }
            else if (entry.UnlinkSeqnums is { } unlinks)
            {
                foreach (var unlink in unlinks)
                {
                    entry.Holder.Tell(new UsbDevice.UnlinkCompleted(unlink, -LinuxErrno.ECONNRESET));
                }
            }
            else
            {
                entry.Holder.Tell(new UsbDevice.SubmitCompleted(entry.Seqnum, Gone));
            }
        }

        _order.Clear();
        foreach (var entry in _atBackend)
        {
            entry.Abandoned = true;
            CancelQuietly(entry);
        }
    }

    private void OnSubmit(UsbDevice.Submit submit)
    {
        var entry = new Entry(submit.Seqnum, Sender, _epoch);
        if (_bySeqnum.ContainsKey(submit.Seqnum))
        {
            _log.Warning("{Endpoint}: seqnum {Seqnum} submitted while still in flight; an unlink will reach the newer one", NameFor(_address), submit.Seqnum);
        }

        _bySeqnum[submit.Seqnum] = entry;
        _order.Enqueue(entry);
        if (_atBackend.Count + _held >= _cap)
        {
            _log.Warning("{Endpoint}: {Count} URBs in flight, refusing seqnum {Seqnum} with -EPROTO", NameFor(_address), _cap, submit.Seqnum);
            entry.Result = Refused;
            _held++;
            Flush();
            return;
        }

        Start(entry, submit.Request);
    }

    private void Start(Entry entry, UrbRequest request)
    {
        entry.Kind = StandardRequests.Classify(request);
        entry.Setup = request.Setup ?? default;
        entry.Cancel = new CancellationTokenSource();
        _atBackend.Add(entry);
        Task<UrbResult> transfer;
        try
        {
            transfer = entry.Kind == StandardRequestKind.None
                ? _backend.SubmitAsync(request, entry.Cancel.Token)
                : StandardRequests.ExecuteAsync(_backend, entry.Kind, entry.Setup);
        }
        catch (Exception e)
        {
            transfer = Task.FromException<UrbResult>(e);
        }

        _ = transfer.PipeTo(Self,
            success: result => new TransferDone(entry, result, null),
            failure: e => new TransferDone(entry, UrbResult.Failed(StatusOf(e)), e));
    }

    private void OnTransferDone(TransferDone done)
    {
        var entry = done.Entry;
        var result = done.Result;
        _atBackend.Remove(entry);
        entry.Cancel?.Dispose();
        entry.Cancel = null;
        if (done.Failure is { } failure && failure is not OperationCanceledException)
        {
            _log.Warning(failure, "{Endpoint}: the backend failed seqnum {Seqnum}; answering {Status}", NameFor(_address), entry.Seqnum, result.Status);
        }

        if (entry.Kind != StandardRequestKind.None)
        {
            Context.Parent.Tell(new EndpointPipe.SpecialRequestDone(entry.Kind, entry.Setup, result));
        }

        if (result.Status == UrbStatus.Stall && (_address & 0x0F) != 0 && !_halted)
        {
            _halted = true;
            Context.Parent.Tell(new EndpointPipe.Halted(_address));
        }

        if (entry.Abandoned)
        {
            return;
        }

        if (entry.UnlinkSeqnums is { } unlinks && result.Status == UrbStatus.Unlinked)
        {
            // The unlink won: the URB never completed, so only RET_UNLINK(-ECONNRESET) is sent for it.
            entry.Removed = true;
            Retire(entry);
            foreach (var unlink in unlinks)
            {
                entry.Holder.Tell(new UsbDevice.UnlinkCompleted(unlink, -LinuxErrno.ECONNRESET));
            }
        }
        else
        {
            entry.Result = result;
            _held++;
        }

        Flush();
    }

    private void OnUnlink(UsbDevice.Unlink unlink)
    {
        if (!_bySeqnum.TryGetValue(unlink.UnlinkSeqnum, out var entry))
        {
            // Unknown, or already answered (its SubmitCompleted went out before this): the unlink has nothing to do.
            Sender.Tell(new UsbDevice.UnlinkCompleted(unlink.Seqnum, 0));
            return;
        }

        (entry.UnlinkSeqnums ??= []).Add(unlink.Seqnum);
        if (entry.Result is null && entry.UnlinkSeqnums.Count == 1)
        {
            CancelQuietly(entry);
        }
    }

    private void EndLease()
    {
        _epoch++;
        foreach (var entry in _order)
        {
            if (entry.Removed)
            {
                continue;
            }

            entry.Removed = true;
            if (entry.Result is null)
            {
                entry.Abandoned = true;
                CancelQuietly(entry);
            }
        }

        _order.Clear();
        _bySeqnum.Clear();
        _held = 0;
    }

    private void Flush()
    {
        while (_order.TryPeek(out var head))
        {
            if (head.Removed)
            {
                _order.Dequeue();
                continue;
            }

            if (head.Result is not { } result)
            {
                return;
            }

            _order.Dequeue();
            head.Removed = true;
            _held--;
            Retire(head);
            Answer(head, result);
        }
    }

    private static void Answer(Entry entry, UrbResult result)
    {
        entry.Holder.Tell(new UsbDevice.SubmitCompleted(entry.Seqnum, result));
        if (entry.UnlinkSeqnums is { } unlinks)
        {
            // The unlink lost: RET_SUBMIT first, then RET_UNLINK(0).
            foreach (var unlink in unlinks)
            {
                entry.Holder.Tell(new UsbDevice.UnlinkCompleted(unlink, 0));
            }
        }
    }

    private void Retire(Entry entry)
    {
        if (_bySeqnum.TryGetValue(entry.Seqnum, out var current) && ReferenceEquals(current, entry))
        {
            _bySeqnum.Remove(entry.Seqnum);
        }

        Context.Parent.Tell(new EndpointPipe.Retired(entry.Seqnum, entry.Epoch));
    }

    private void CancelQuietly(Entry entry)
    {
        try
        {
            entry.Cancel?.Cancel();
        }
        catch (Exception e)
        {
            // A backend's cancellation callback threw; the transfer still completes through its task.
            _log.Warning(e, "{Endpoint}: cancelling seqnum {Seqnum} failed", NameFor(_address), entry.Seqnum);
        }
    }

    private static UrbStatus StatusOf(Exception failure) => failure switch
    {
        UsbBackendException backend => backend.Status,
        OperationCanceledException => UrbStatus.Unlinked,
        _ => UrbStatus.Other,
    };

    /// <summary>A transfer's outcome, brought back into the actor.</summary>
    private sealed record TransferDone(Entry Entry, UrbResult Result, Exception? Failure);

    /// <summary>One URB from submission until answered (or, once abandoned, until the backend gives it back).</summary>
    private sealed class Entry(long seqnum, IActorRef holder, int epoch)
    {
        public long Seqnum { get; } = seqnum;

        public IActorRef Holder { get; } = holder;

        public int Epoch { get; } = epoch;

        public StandardRequestKind Kind { get; set; }

        public SetupPacket Setup { get; set; }

        public CancellationTokenSource? Cancel { get; set; }

        /// <summary>Set when the backend gave a result that is to be answered (held until it is the FIFO's head).</summary>
        public UrbResult? Result { get; set; }

        /// <summary>Sequence numbers of the unlink requests for this URB.</summary>
        public List<long>? UnlinkSeqnums { get; set; }

        /// <summary>Answered, unlinked or abandoned: no longer part of the order.</summary>
        public bool Removed { get; set; }

        /// <summary>The lease ended (or the pipe stopped) before the backend gave it back: its completion is dropped.</summary>
        public bool Abandoned { get; set; }
    }
}
