using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Transport;
using UsbMesh.Usb;
using UsbMesh.UsbIp;
using UsbMesh.Usbipd;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Sessions;

/// <summary>
/// A device of another node, imported over a session, standing in for it on this node: it speaks the
/// <see cref="UsbDevice"/> protocol, so the vhci front end, the usbipd endpoint and in-process clients use it like a
/// local device. URBs become USB/IP PDUs on the session's lanes (control and interrupt apart from bulk), replies
/// come back to the holder.
/// </summary>
/// <remarks>
/// <para><b>Cuts.</b> When a lane breaks, the import keeps its URBs and opens the session again until the grace period
/// ends; requests not received are sent again and replies are delivered once, so the holder sees nothing but delay.
/// After the grace period, or when the exporter says the session is over, every pending URB ends with
/// <see cref="UrbStatus.DeviceGone"/> (ESHUTDOWN) and the actor stops: its holder sees the device go.</para>
/// <para><b>End.</b> The import belongs to the holder that claimed it: its release or death ends the session at
/// once (the exporter is told, so the lease is free for the next node without waiting for the grace period).</para>
/// </remarks>
public sealed class ImportedDeviceActor : ReceiveActor, IWithTimers
{
    private const string GraceTimer = "grace";
    private const string RetryTimer = "retry";
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(500);

    private readonly Remoting _remoting;
    private readonly NodeId _exporter;
    private readonly string _busId;
    private readonly SessionSettings _settings;
    private readonly IActorRef _requester;
    private readonly ILoggingAdapter _log;
    private readonly Guid _sessionId;
    private readonly SessionStats _stats;
    private readonly Dictionary<long, long> _startedAt = [];
    private readonly SessionLanePair _lanes;
    private readonly Dictionary<long, (SessionLaneKind Kind, UrbRequest Request)> _pending = [];
    private readonly Dictionary<long, long> _unlinkTargets = [];
    private readonly UsbIpUrbParser _parser;
    private readonly CancellationTokenSource _stopping = new();
    private readonly IDisposable _table;
    private readonly System.Diagnostics.Stopwatch _opening = System.Diagnostics.Stopwatch.StartNew();
    private UsbDevice.Info? _info;
    private uint _devId;
    private IActorRef? _holder;
    private bool _reconnecting;
    private bool _opened;
    private bool _closing;

    public ImportedDeviceActor(Remoting remoting, NodeId exporter, string busId, SessionSettings settings, IActorRef requester)
        : this(remoting, exporter, busId, settings, requester, Guid.NewGuid(), new SessionStats())
    {
    }

    public ImportedDeviceActor(Remoting remoting, NodeId exporter, string busId, SessionSettings settings, IActorRef requester, Guid sessionId, SessionStats stats)
    {
        _sessionId = sessionId;
        _stats = stats;
        _remoting = remoting;
        _exporter = exporter;
        _busId = busId;
        _settings = settings;
        _requester = requester;
        _log = Context.GetLogger();
        _lanes = new SessionLanePair(settings.Lanes, Self);
        _parser = UsbIpUrbParser.ForClient(LookUpSubmit);
        _table = UrbTables.Register(UrbTables.Import, $"{exporter.Short}/{busId}", () => _pending.Count);
        Receive<Handshaken>(OnOpened);
        Receive<HandshakeFailed>(failed =>
        {
            // A link that failed under the first handshake is tried again, within the handshake's own time.
            if (!failed.Final && _opening.Elapsed + RetryInterval < _settings.HandshakeTimeout)
            {
                Timers.StartSingleTimer(RetryTimer, Reconnect.Instance, RetryInterval);
                return;
            }

            _requester.Tell(new Imports.OpenFailed($"cannot import {Describe()}: {failed.Reason}"));
            Context.Stop(Self);
        });
        Receive<Reconnect>(_ => Handshake());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Remoting remoting, NodeId exporter, string busId, SessionSettings settings, IActorRef requester) =>
        Actors.Props.Create(() => new ImportedDeviceActor(remoting, exporter, busId, settings, requester));

    /// <summary>An import whose session has <paramref name="sessionId"/> and whose traffic <paramref name="stats"/> counts.</summary>
    public static Props Props(Remoting remoting, NodeId exporter, string busId, SessionSettings settings, IActorRef requester, Guid sessionId, SessionStats stats) =>
        Actors.Props.Create(() => new ImportedDeviceActor(remoting, exporter, busId, settings, requester, sessionId, stats));

    /// <summary>Ends the import at once (an operator's detach or kill): the holder is told the device is gone.</summary>
    public sealed record EndNow
    {
        public static readonly EndNow Instance = new();
    }

    protected override void PreStart() => Handshake();

    protected override void PostStop()
    {
        _table.Dispose();
        _stopping.Cancel();
        _lanes.Dispose();
        if (_opened)
        {
            SessionMetrics.Closed(SessionMetrics.Import);
        }
    }

    private string Describe() => $"{_busId} of node {_exporter.Short}";

    private void OnOpened(Handshaken opened)
    {
        var device = opened.Lanes[0].Welcome.Device;
        try
        {
            _info = SessionDevices.ToInfo(device ?? throw new UsbDescriptorException(0, "device", "the exporter sent no description"), null);
        }
        catch (UsbDescriptorException e)
        {
            _requester.Tell(new Imports.OpenFailed($"cannot import {Describe()}: its descriptors do not parse ({e.Message})"));
            Context.Stop(Self);
            return;
        }

        _devId = device.DevId;
        _opened = true;
        SessionMetrics.Opened(SessionMetrics.Import);
        Run(opened);
        _log.Info("Imported {0} (session {1})", Describe(), _sessionId);
        _stats.State = "up";
        _requester.Tell(new Imports.Opened(Self, _info, _devId));
        Become(Live);
    }

    private void Live()
    {
        Receive<UsbDevice.Claim>(claim =>
        {
            if (_holder is not null && !_holder.Equals(claim.Holder))
            {
                Sender.Tell(new UsbDevice.Busy(_holder));
                return;
            }

            _holder = claim.Holder;
            Context.Watch(_holder);
            Sender.Tell(new UsbDevice.Claimed(_holder));
        });
        Receive<UsbDevice.Release>(release =>
        {
            Sender.Tell(new UsbDevice.Released(release.Holder));
            // Released by its holder, or before anyone held it (an attach that failed): either way nobody needs it.
            if (release.Holder.Equals(_holder) || _holder is null)
            {
                Close("its holder released it");
            }
        });
        Receive<Terminated>(_ => Close("its holder stopped"), t => t.ActorRef.Equals(_holder));
        Receive<UsbDevice.GetInfo>(_ => Sender.Tell(_info! with { Holder = _holder }));
        Receive<UsbDevice.Submit>(OnSubmit);
        Receive<UsbDevice.Unlink>(OnUnlink);
        Receive<SessionLanePair.Received>(OnInbound);
        Receive<SessionLanePair.Ended>(OnLaneEnded);
        Receive<Reconnect>(_ => Handshake(), _ => !_closing);
        Receive<Handshaken>(resumed =>
        {
            Run(resumed);
            _reconnecting = false;
            _stats.State = "up";
            Timers.Cancel(GraceTimer);
            _log.Info("The session with {0} resumed", Describe());
        });
        Receive<HandshakeFailed>(failed =>
        {
            if (failed.Final)
            {
                Gone(failed.Reason);
                return;
            }

            _log.Debug("Resuming the session with {0} failed: {1}", Describe(), failed.Reason);
            Timers.StartSingleTimer(RetryTimer, Reconnect.Instance, RetryInterval);
        });
        Receive<GraceOver>(_ => Gone($"no link within the grace period of {_settings.GracePeriod.TotalSeconds:0.#} s"));
        Receive<StopNow>(_ => Context.Stop(Self));
        Receive<EndNow>(_ =>
        {
            if (_closing)
            {
                return;
            }

            const string Why = "an operator ended it";
            foreach (var seqnum in _pending.Keys)
            {
                _holder?.Tell(new UsbDevice.SubmitCompleted(seqnum, new UrbResult(UrbStatus.DeviceGone, 0)), Self);
            }

            _pending.Clear();
            _holder?.Tell(new UsbDevice.Gone(Why), Self);
            Close(Why);
        });
    }

    private void OnSubmit(UsbDevice.Submit submit)
    {
        if (!Sender.Equals(_holder))
        {
            Sender.Tell(new UsbDevice.NotHolder(submit));
            return;
        }

        var kind = SessionLanes.For(submit.Request.TransferType);
        _pending[submit.Seqnum] = (kind, submit.Request);
        _startedAt[submit.Seqnum] = System.Diagnostics.Stopwatch.GetTimestamp();
        var message = PduCodec.Encode(UsbIpClientTranslation.CmdSubmit((uint)submit.Seqnum, _devId, submit.Request));
        _stats.Sent(message.Length);
        _lanes.Send(kind, message);
    }

    private void OnUnlink(UsbDevice.Unlink unlink)
    {
        if (!Sender.Equals(_holder))
        {
            Sender.Tell(new UsbDevice.NotHolder(unlink));
            return;
        }

        // On the lane of the URB it names, so it cannot overtake it.
        var kind = _pending.TryGetValue(unlink.UnlinkSeqnum, out var target) ? target.Kind : SessionLaneKind.Control;
        _unlinkTargets[unlink.Seqnum] = unlink.UnlinkSeqnum;
        _lanes.Send(kind, PduCodec.Encode(UsbIpClientTranslation.CmdUnlink((uint)unlink.Seqnum, _devId, (uint)unlink.UnlinkSeqnum)));
    }

    private void OnInbound(SessionLanePair.Received inbound)
    {
        _stats.Received(inbound.Message.Length);
        try
        {
            switch (PduCodec.Decode(_parser, inbound.Message))
            {
                case UsbIpRetSubmit reply when _pending.Remove(reply.Seqnum, out var pending):
                    if (_startedAt.Remove(reply.Seqnum, out var startedAt))
                    {
                        _stats.Completed(startedAt);
                    }

                    _holder?.Tell(new UsbDevice.SubmitCompleted(reply.Seqnum, UsbIpClientTranslation.Result(reply, pending.Request)), Self);
                    break;
                case UsbIpRetUnlink reply:
                    if (_unlinkTargets.Remove(reply.Seqnum, out var target) && reply.Status == UsbIpConstants.StatusConnReset)
                    {
                        _pending.Remove(target);
                    }

                    _holder?.Tell(new UsbDevice.UnlinkCompleted(reply.Seqnum, reply.Status), Self);
                    break;
            }
        }
        catch (UsbIpProtocolException e)
        {
            Gone($"the exporter broke the protocol: {e.Message}");
        }
    }

    private bool LookUpSubmit(uint seqnum, out UsbIpSubmitInfo submit)
    {
        if (_pending.TryGetValue(seqnum, out var pending))
        {
            submit = UsbIpClientTranslation.SubmitInfo(pending.Request);
            return true;
        }

        submit = default;
        return false;
    }

    private void OnLaneEnded(SessionLanePair.Ended ended)
    {
        if (!_lanes.IsCurrent(ended.Kind, ended.Generation) || _reconnecting || _closing)
        {
            return;
        }

        _reconnecting = true;
        _stats.State = "resuming";
        _log.Warning("The session with {0} lost its link ({1}); resuming for up to {2:0.#} s", Describe(), ended.Reason, _settings.GracePeriod.TotalSeconds);
        Timers.StartSingleTimer(GraceTimer, GraceOver.Instance, _settings.GracePeriod);
        Handshake();
    }

    /// <summary>Opens both lanes in the background (the control lane first: it starts a new session).</summary>
    private void Handshake()
    {
        long[] delivered = [.. SessionLanes.All.Select(_lanes.Delivered)];
        HandshakeAsync(delivered, resume: _opened, _stopping.Token).PipeTo(Self);
    }

    private async Task<object> HandshakeAsync(long[] delivered, bool resume, CancellationToken stopping)
    {
        var opened = new List<(SessionLaneKind, ILane, SessionWelcome)>();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_settings.HandshakeTimeout);
            foreach (var kind in SessionLanes.All)
            {
                var lane = await _remoting.OpenLaneAsync(_exporter, SessionHandshake.Service, timeout.Token).ConfigureAwait(false);
                opened.Add((kind, lane, new SessionWelcome(SessionOutcome.Refused, 0, "", null)));
                await lane.WriteAsync(SessionHandshake.Encode(new SessionHello(_sessionId, kind, delivered[(int)kind], _busId, resume)), timeout.Token).ConfigureAwait(false);
                var welcome = await SessionHandshake.ReadWelcomeAsync(lane, timeout.Token).ConfigureAwait(false);
                opened[^1] = (kind, lane, welcome);
                if (welcome.Outcome is SessionOutcome.Refused or SessionOutcome.Ended)
                {
                    CompleteAll(opened);
                    return new HandshakeFailed($"node {_exporter.Short} {(welcome.Outcome == SessionOutcome.Ended ? "ended the session" : "refused")}: {welcome.Reason}", Final: true);
                }
            }

            return new Handshaken([.. opened.Select(o => new OpenedLane(o.Item1, o.Item2, o.Item3))]);
        }
        catch (Exception e)
        {
            CompleteAll(opened);
            return new HandshakeFailed(e is OperationCanceledException ? $"node {_exporter.Short} did not answer within {_settings.HandshakeTimeout.TotalSeconds:0.#} s" : e.Message, Final: false);
        }
    }

    private static void CompleteAll(List<(SessionLaneKind, ILane Lane, SessionWelcome)> lanes)
    {
        foreach (var opened in lanes)
        {
            opened.Lane.Complete();
        }
    }

    private void Run(Handshaken handshaken)
    {
        foreach (var opened in handshaken.Lanes)
        {
            _lanes.Run(opened.Kind, opened.Lane, opened.Welcome.Delivered, () => Task.CompletedTask);
        }
    }

    /// <summary>Ends the session on purpose: the exporter is told (an empty message), so it releases the lease at once.</summary>
    private void Close(string why)
    {
        _log.Info("The import of {0} ends: {1}", Describe(), why);
        _holder = null;
        _closing = true;
        _stats.State = "closing";
        _lanes.Send(SessionLaneKind.Control, []);
        Timers.StartSingleTimer("stop", StopNow.Instance, TimeSpan.FromMilliseconds(200));
    }

    private void Gone(string reason)
    {
        _log.Warning("{0} is gone: {1}", Describe(), reason);
        foreach (var seqnum in _pending.Keys)
        {
            _holder?.Tell(new UsbDevice.SubmitCompleted(seqnum, new UrbResult(UrbStatus.DeviceGone, 0)), Self);
        }

        _pending.Clear();
        _holder?.Tell(new UsbDevice.Gone(reason), Self);
        Context.Stop(Self);
    }

    private sealed record OpenedLane(SessionLaneKind Kind, ILane Lane, SessionWelcome Welcome);

    private sealed record Handshaken(IReadOnlyList<OpenedLane> Lanes);

    private sealed record HandshakeFailed(string Reason, bool Final);


    private sealed record Reconnect
    {
        public static readonly Reconnect Instance = new();
    }

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }

    private sealed record StopNow
    {
        public static readonly StopNow Instance = new();
    }
}
