using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Transport;
using UsbMesh.Mesh.Trust;
using UsbMesh.UsbIp;
using UsbMesh.Usbipd;

namespace UsbMesh.Sessions;

/// <summary>
/// One importing node's session with one device of this node (<c>/user/sessions/session-&lt;id&gt;</c>): authorises
/// the importer against the trust list and the device's share-with list, holds the device's lease, and serves the
/// USB/IP PDUs of the session's two lanes through the device actor (<see cref="UrbExchange"/>).
/// </summary>
/// <remarks>
/// <para><b>Cuts.</b> When a lane breaks, the session keeps the lease and everything in flight for the grace period:
/// requests the importer sends again are delivered once (<see cref="Mesh.Resumable.ResumableLane"/>), replies produced
/// meanwhile wait for it. After the grace period, or at once when the membership downs or removes the importer (a
/// peer that died without a word), the session ends and the lease is released.</para>
/// </remarks>
public sealed class ClientSessionActor : ReceiveActor, IWithTimers
{
    private const string GraceTimer = "grace";
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(5);

    private readonly ClientSessions.Arrived _first;
    private readonly IActorRef _exports;
    private readonly Func<TrustList> _trust;
    private readonly SessionSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly SessionLanePair _lanes;
    private readonly bool[] _connected = new bool[2];
    private readonly Dictionary<uint, SessionLaneKind> _laneOf = [];
    private readonly Dictionary<long, long> _startedAt = [];
    private readonly SessionStats _stats = new();
    private ExportedDevice? _export;
    private UrbExchange? _exchange;
    private UsbIpUrbParser? _parser;
    private SessionDevice? _device;

    public ClientSessionActor(ClientSessions.Arrived first, IActorRef exports, Func<TrustList> trust, SessionSettings settings)
    {
        _first = first;
        _exports = exports;
        _trust = trust;
        _settings = settings;
        _log = Context.GetLogger();
        _lanes = new SessionLanePair(settings.Lanes, Self);
        ReceiveAsync<Open>(_ => OpenAsync());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private NodeId Importer => _first.Peer;

    private string Who => $"the session of node {Importer.Short} with {_first.Hello.BusId}";

    public static Props Props(ClientSessions.Arrived first, IActorRef exports, Func<TrustList> trust, SessionSettings settings) =>
        Actors.Props.Create(() => new ClientSessionActor(first, exports, trust, settings));

    /// <summary>Answers a lane that gets no session, then closes it.</summary>
    internal static void Answer(ILane lane, SessionWelcome welcome) => _ = AnswerAsync(lane, welcome);

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(MemberDowned));
        Context.System.EventStream.Subscribe(Self, typeof(MemberRemoved));
        Self.Tell(Open.Instance);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _lanes.Dispose();
        _exchange?.Dispose();
        _export?.Device.Tell(new UsbDevice.Release(Self), Self);
        if (_export is not null)
        {
            SessionMetrics.Closed(SessionMetrics.Export);
        }
    }

    private async Task OpenAsync()
    {
        var exported = await _exports.Ask<Usbipd.Exports.Devices>(Usbipd.Exports.List.Instance, AskLimit);
        var export = exported.Items.FirstOrDefault(d => d.BusId == _first.Hello.BusId);
        if (export is null || !_trust().MayImport(Importer, export.SharedWith))
        {
            // The same answer either way: a node the device is not shared with learns nothing about it.
            Refuse($"no device {_first.Hello.BusId} is shared with this node here", LogLevel.Warning);
            return;
        }

        UsbDevice.Info info;
        object claim;
        try
        {
            info = await export.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, AskLimit);
            claim = await export.Device.Ask(new UsbDevice.Claim(Self), AskLimit);
        }
        catch (Exception e) when (e is AskTimeoutException or InvalidCastException)
        {
            Refuse($"device {export.BusId} did not answer", LogLevel.Warning);
            return;
        }

        if (claim is not UsbDevice.Claimed)
        {
            Refuse($"device {export.BusId} is in use", LogLevel.Info);
            return;
        }

        _export = export;
        SessionMetrics.Opened(SessionMetrics.Export);
        var isochronous = UsbipdTranslation.IsochronousEndpoints(info);
        _exchange = new UrbExchange(export.BusId, export.Device, info, Self, configured => isochronous = UsbipdTranslation.IsochronousEndpoints(configured));
        _parser = UsbIpUrbParser.ForServer((_, direction, endpoint) => isochronous.Contains((direction, endpoint)));
        _device = SessionDevices.Describe(info, export.DevId);
        Context.Watch(export.Device);
        _log.Info("Node {0} imported {1} (session {2})", Importer.Short, export.BusId, _first.Hello.SessionId);
        Become(Serving);
        Attach(_first.Hello.Kind, _first.Lane, _first.Hello.Delivered, SessionOutcome.Opened);
    }

    private void Serving()
    {
        Receive<ClientSessions.Arrived>(arrived => Attach(arrived.Hello.Kind, arrived.Lane, arrived.Hello.Delivered, SessionOutcome.Resumed));
        Receive<SessionLanePair.Received>(OnInbound);
        Receive<UsbDevice.SubmitCompleted>(completed =>
        {
            var kind = _laneOf.Remove((uint)completed.Seqnum, out var lane) ? lane : SessionLaneKind.Control;
            if (_startedAt.Remove(completed.Seqnum, out var startedAt))
            {
                _stats.Completed(startedAt);
            }

            var reply = _exchange!.Completed(completed);
            if (reply is not null)
            {
                Send(kind, PduCodec.Encode(reply));
            }

            completed.Result.InDataRelease?.Dispose();
        });
        Receive<UsbDevice.UnlinkCompleted>(completed =>
        {
            var kind = _laneOf.Remove((uint)completed.Seqnum, out var lane) ? lane : SessionLaneKind.Control;
            if (_exchange!.UnlinkCompleted(completed) is var (reply, _))
            {
                Send(kind, PduCodec.Encode(reply));
            }
        });
        Receive<SessionLanePair.Ended>(OnLaneEnded);
        Receive<GraceOver>(_ => End($"{Who} ended: node {Importer.Short} did not come back within {_settings.GracePeriod.TotalSeconds:0.#} s; the lease is released"));
        Receive<MembershipChange>(change => End($"{Who} ended: node {Importer.Short} is {(change is MemberDowned ? "down" : "removed")}; the lease is released"),
            change => change.Member.Id == Importer);
        Receive<UsbDevice.NotHolder>(_ => End($"{Who} ended: the lease was lost"));
        Receive<Terminated>(_ => End($"{Who} ended: the device is gone"));
    }

    private void Attach(SessionLaneKind kind, ILane lane, long peerDelivered, SessionOutcome outcome)
    {
        var welcome = SessionHandshake.Encode(new SessionWelcome(outcome, _lanes.Delivered(kind), "", _device));
        _lanes.Run(kind, lane, peerDelivered, () => lane.WriteAsync(welcome).AsTask());
        _connected[(int)kind] = true;
        if (_connected.All(c => c) && Timers.IsTimerActive(GraceTimer))
        {
            Timers.Cancel(GraceTimer);
            _log.Info("{0} resumed", Who);
        }

        Report();
    }

    private void OnInbound(SessionLanePair.Received inbound)
    {
        if (inbound.Message.IsEmpty)
        {
            End($"{Who} ended: the importer closed it; the lease is released");
            return;
        }

        _stats.Received(inbound.Message.Length);
        try
        {
            switch (PduCodec.Decode(_parser!, inbound.Message))
            {
                case UsbIpCmdSubmit submit:
                    _laneOf[submit.Seqnum] = inbound.Kind;
                    _startedAt[submit.Seqnum] = System.Diagnostics.Stopwatch.GetTimestamp();
                    if (_exchange!.Submit(submit) is { } refusal)
                    {
                        _laneOf.Remove(submit.Seqnum);
                        _startedAt.Remove(submit.Seqnum);
                        Send(inbound.Kind, PduCodec.Encode(refusal));
                    }

                    break;
                case UsbIpCmdUnlink unlink:
                    _laneOf[unlink.Seqnum] = inbound.Kind;
                    _exchange!.Unlink(unlink);
                    break;
            }
        }
        catch (Exception e) when (e is UsbIpProtocolException or UrbExchangeException)
        {
            End($"{Who} ended: protocol error: {e.Message}");
        }
    }

    private void OnLaneEnded(SessionLanePair.Ended ended)
    {
        if (!_lanes.IsCurrent(ended.Kind, ended.Generation))
        {
            return;
        }

        _connected[(int)ended.Kind] = false;
        if (!Timers.IsTimerActive(GraceTimer))
        {
            _log.Warning("{0} lost its link ({1}); waiting up to {2:0.#} s for it to resume", Who, ended.Reason, _settings.GracePeriod.TotalSeconds);
            Timers.StartSingleTimer(GraceTimer, GraceOver.Instance, _settings.GracePeriod);
        }

        Report();
    }

    private void Send(SessionLaneKind kind, byte[] message)
    {
        _stats.Sent(message.Length);
        _lanes.Send(kind, message);
    }

    private void Report()
    {
        var connected = _connected.All(c => c);
        _stats.State = connected ? "up" : "resuming";
        Context.Parent.Tell(new ClientSessions.Changed(new ClientSessions.SessionSummary(_first.Hello.SessionId, Importer, _first.Hello.BusId, connected, _stats)));
    }

    private void Refuse(string reason, LogLevel level)
    {
        if (level == LogLevel.Warning)
        {
            _log.Warning("Node {0} may not import {1}: {2}", Importer.Short, _first.Hello.BusId, reason);
        }
        else
        {
            _log.Info("Node {0} may not import {1}: {2}", Importer.Short, _first.Hello.BusId, reason);
        }

        Answer(_first.Lane, new SessionWelcome(SessionOutcome.Refused, 0, reason, null));
        Context.Stop(Self);
    }

    private void End(string reason)
    {
        _log.Info(reason);
        Context.Stop(Self);
    }

    private static async Task AnswerAsync(ILane lane, SessionWelcome welcome)
    {
        try
        {
            await lane.WriteAsync(SessionHandshake.Encode(welcome)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The importer is gone already; it learns the outcome when it asks again.
        }

        lane.Complete();
    }

    private sealed record Open
    {
        public static readonly Open Instance = new();
    }

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }
}
