using System.Net.Sockets;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// One client of the usbipd-compatible endpoint (DESIGN §2 <c>usbipd/conn-&lt;n&gt;</c>).
/// </summary>
/// <remarks>
/// <para><b>OP phase.</b> OP_REQ_DEVLIST is answered with the exported devices and the connection closes, as usbipd
/// does. OP_REQ_IMPORT of an unknown bus id is answered ST_NODEV, of a device leased to someone else ST_DEV_BUSY,
/// and the connection closes; otherwise this actor becomes the lease holder, answers ST_OK with the device record
/// and enters the URB phase. A client that completes no request within <see cref="UsbipdSettings.OpIdleTimeout"/>
/// is closed.</para>
/// <para><b>URB phase.</b> CMD_SUBMIT becomes <see cref="UsbDevice.Submit"/>, CMD_UNLINK <see cref="UsbDevice.Unlink"/>;
/// their answers become RET_SUBMIT and RET_UNLINK in the order the device sends them (per-endpoint order is the
/// device's rule). A RET_SUBMIT is only ever written for a seqnum still pending here, so an unlink that won
/// (−ECONNRESET) retires its URB and no late reply can reach the client (DESIGN §3). A CMD_SUBMIT whose seqnum is
/// still in flight is a protocol error: the client could not tell the replies apart.</para>
/// <para><b>No OP phase.</b> The kernel's vhci_hcd, given a socket through its <c>attach</c> file, sends URB
/// commands only: <see cref="PropsForImported"/> starts the actor in the URB phase for a device claimed on its
/// behalf, so one actor serves both a usbipd client and a local vhci port.</para>
/// <para><b>End.</b> Any protocol error, the peer's close, a socket failure or the device's death stops the actor with
/// one log line naming the peer and the cause. Stopping is what releases the lease: the device watches its holder.</para>
/// </remarks>
public sealed class UsbipdConnection : ReceiveActor
{
    private readonly ConnectionIo _io;
    private readonly IActorRef _exports;
    private readonly UsbipdSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly string _peer;
    private ExportedDevice? _export;
    private UrbExchange? _exchange;

    /// <summary>Creates the connection actor; use through <see cref="Props"/>.</summary>
    /// <param name="socket">The accepted socket; the actor owns it.</param>
    /// <param name="exports">The <see cref="ExportsActor"/>.</param>
    /// <param name="settings">Limits and timeouts.</param>
    public UsbipdConnection(Socket socket, IActorRef exports, UsbipdSettings settings)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _peer = socket.RemoteEndPoint?.ToString() ?? "unknown peer";
        _io = new ConnectionIo(socket, settings);
        _exports = exports;
        _settings = settings;
        _log = Context.GetLogger();
        OpPhase();
    }

    /// <summary>
    /// Creates a connection that starts in the URB phase; use through <see cref="PropsForImported"/>.
    /// </summary>
    /// <param name="socket">The connected stream socket; the actor owns it.</param>
    /// <param name="peer">Who is at the other end, for log lines.</param>
    /// <param name="export">The imported device.</param>
    /// <param name="info">The device's description, taken when it was claimed.</param>
    /// <param name="settings">Limits and timeouts.</param>
    public UsbipdConnection(Socket socket, string peer, ExportedDevice export, UsbDevice.Info info, UsbipdSettings settings)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(info);
        _peer = peer;
        _io = new ConnectionIo(socket, settings, UsbipdTranslation.IsochronousEndpoints(info));
        _exports = ActorRefs.Nobody;
        _settings = settings;
        _log = Context.GetLogger();
        _export = export;
        _exchange?.Dispose();
        _exchange = new UrbExchange(export.BusId, export.Device, info, Self, configured => _io.UseIsochronousEndpoints(UsbipdTranslation.IsochronousEndpoints(configured)));
        UrbPhase();
    }

    /// <summary>Props for a connection actor.</summary>
    /// <param name="socket">The accepted socket; the actor owns it.</param>
    /// <param name="exports">The <see cref="ExportsActor"/>.</param>
    /// <param name="settings">Limits and timeouts.</param>
    public static Props Props(Socket socket, IActorRef exports, UsbipdSettings settings) =>
        Actors.Props.Create(() => new UsbipdConnection(socket, exports, settings));

    /// <summary>
    /// Props for a connection whose peer never sends OP requests: it sends CMD_SUBMIT and CMD_UNLINK from its first
    /// byte, as the kernel's vhci_hcd does after an attach. The device is imported already: whoever creates the actor
    /// claims it on the actor's behalf (<see cref="UsbDevice.Claim"/> with the actor as holder) before the peer
    /// sends its first URB. The connection ends as an imported one does (peer's close, protocol error, the device's
    /// death, a lost lease).
    /// </summary>
    /// <param name="socket">The connected stream socket; the actor owns it.</param>
    /// <param name="peer">Who is at the other end, for log lines.</param>
    /// <param name="export">The imported device.</param>
    /// <param name="info">The device's description, taken when it was claimed.</param>
    /// <param name="settings">Limits and timeouts.</param>
    public static Props PropsForImported(Socket socket, string peer, ExportedDevice export, UsbDevice.Info info, UsbipdSettings settings) =>
        Actors.Props.Create(() => new UsbipdConnection(socket, peer, export, info, settings));

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (_export is null)
        {
            SetReceiveTimeout(_settings.OpIdleTimeout);
        }
        else
        {
            Context.Watch(_export.Device);
        }

        _io.Start(Self);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _io.Close();
        _exchange?.Dispose();
    }

    private void OpPhase()
    {
        ReceiveAsync<ConnectionIo.Received>(OnOpRequestAsync, r => r.Message is UsbIpOpMessage);
        Receive<ReceiveTimeout>(_ => Close(LogLevel.Warning, $"no request within {_settings.OpIdleTimeout.TotalMilliseconds:0} ms"));
        Common();
    }

    private void UrbPhase()
    {
        Receive<ConnectionIo.Received>(r => OnSubmit((UsbIpCmdSubmit)r.Message), r => r.Message is UsbIpCmdSubmit);
        Receive<ConnectionIo.Received>(r => OnUnlink((UsbIpCmdUnlink)r.Message), r => r.Message is UsbIpCmdUnlink);
        Receive<UsbDevice.SubmitCompleted>(OnSubmitCompleted);
        Receive<UsbDevice.UnlinkCompleted>(OnUnlinkCompleted);
        Receive<UsbDevice.NotHolder>(_ => Close(LogLevel.Warning, $"lost the lease on {_export!.BusId}"));
        Receive<UsbDevice.Gone>(gone => Close(LogLevel.Warning, $"device {_export!.BusId} is gone: {gone.Reason}"));
        Receive<Terminated>(t => Close(LogLevel.Warning, $"device {_export!.BusId} is gone"), t => t.ActorRef.Equals(_export?.Device));
        Common();
    }

    private void Common()
    {
        Receive<ConnectionIo.ProtocolError>(e => Close(LogLevel.Warning, $"protocol error ({e.Error.Reason}): {e.Error.Message}"));
        Receive<ConnectionIo.PeerClosed>(c =>
        {
            if (c.PendingBytes > 0)
            {
                Close(LogLevel.Warning, $"peer closed in the middle of a message ({c.PendingBytes} bytes of a truncated PDU)");
            }
            else
            {
                Close(LogLevel.Info, "peer closed the connection");
            }
        });
        Receive<ConnectionIo.IoFailed>(f => Close(LogLevel.Info, $"socket failed: {f.Cause.Message}"));
        Receive<ConnectionIo.Received>(r => Close(LogLevel.Warning, $"unexpected {r.Message.GetType().Name} in this phase"));
    }

    private async Task OnOpRequestAsync(ConnectionIo.Received received)
    {
        SetReceiveTimeout(null);
        switch (received.Message)
        {
            case UsbIpDevListRequest:
                await ListAsync();
                break;
            case UsbIpImportRequest import:
                await ImportAsync(import.BusId);
                break;
            default:
                Close(LogLevel.Warning, $"unexpected {received.Message.GetType().Name}");
                break;
        }
    }

    private async Task ListAsync()
    {
        var exported = await _exports.Ask<Exports.Devices>(Exports.List.Instance, _settings.DeviceRequestTimeout);
        var entries = await Task.WhenAll(exported.Items.Select(async export =>
        {
            try
            {
                var info = await export.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, _settings.DeviceRequestTimeout);
                return UsbipdTranslation.DeviceListEntry(export, info);
            }
            catch (Exception e) when (e is AskTimeoutException or InvalidCastException)
            {
                _log.Warning("Device {BusId} did not describe itself ({Error}); left out of the list for {Peer}", export.BusId, e.Message, _peer);
                return null;
            }
        }));
        var devices = entries.OfType<UsbIpExportedDevice>().ToList();
        _io.Send(new UsbIpDevListReply(UsbipdStatus.Ok, [.. devices]));
        Close(LogLevel.Debug, $"listed {devices.Count} devices");
    }

    private async Task ImportAsync(string busId)
    {
        var exported = await _exports.Ask<Exports.Devices>(Exports.List.Instance, _settings.DeviceRequestTimeout);
        var export = exported.Items.FirstOrDefault(d => d.BusId == busId);
        if (export is null)
        {
            _io.Send(new UsbIpImportReply(UsbipdStatus.NoDevice, null));
            Close(LogLevel.Warning, $"import of unknown bus id '{busId}' refused");
            return;
        }

        object answer;
        UsbDevice.Info info;
        try
        {
            // Claimed first: a device of another node is only imported (and fully described) once claimed.
            answer = await export.Device.Ask(new UsbDevice.Claim(Self), _settings.ImportTimeout);
            info = await export.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, _settings.DeviceRequestTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or InvalidCastException)
        {
            _io.Send(new UsbIpImportReply(UsbipdStatus.DeviceError, null));
            Close(LogLevel.Warning, $"import of {busId} failed: the device did not answer ({e.Message})");
            return;
        }

        if (answer is not UsbDevice.Claimed)
        {
            _io.Send(new UsbIpImportReply(UsbipdStatus.DeviceBusy, null));
            Close(LogLevel.Warning, $"import of {busId} refused: the device is busy ({(answer as UsbDevice.Busy)?.CurrentHolder})");
            return;
        }

        _export = export;
        _exchange?.Dispose();
        _exchange = new UrbExchange(export.BusId, export.Device, info, Self, configured => _io.UseIsochronousEndpoints(UsbipdTranslation.IsochronousEndpoints(configured)));
        Context.Watch(export.Device);
        _io.Send(new UsbIpImportReply(UsbipdStatus.Ok, UsbipdTranslation.DeviceRecord(export, info)));
        _io.Continue(UsbipdTranslation.IsochronousEndpoints(info));
        _log.Info("{Peer} imported {BusId}", _peer, busId);
        Become(UrbPhase);
    }

    private void OnSubmit(UsbIpCmdSubmit submit)
    {
        try
        {
            if (_exchange!.Submit(submit, reason => _log.Debug("{Peer}: {Reason}", _peer, reason)) is { } refusal)
            {
                _io.Send(refusal, credits: 1);
            }
        }
        catch (UrbExchangeException e)
        {
            Close(LogLevel.Warning, $"protocol error: {e.Message}");
        }
    }

    private void OnUnlink(UsbIpCmdUnlink unlink)
    {
        try
        {
            _exchange!.Unlink(unlink);
        }
        catch (UrbExchangeException e)
        {
            Close(LogLevel.Warning, $"protocol error: {e.Message}");
        }
    }

    private void OnSubmitCompleted(UsbDevice.SubmitCompleted completed)
    {
        if (_exchange!.Completed(completed) is { } reply)
        {
            _io.Send(reply, credits: 1, completed.Result.InDataRelease);
        }
        else
        {
            // Never write a RET_SUBMIT for a seqnum the client no longer waits for: vhci tears the port down.
            _log.Debug("{Peer}: dropping the completion of seqnum {Seqnum}, which is no longer pending", _peer, completed.Seqnum);
        }
    }

    private void OnUnlinkCompleted(UsbDevice.UnlinkCompleted completed)
    {
        if (_exchange!.UnlinkCompleted(completed) is var (reply, retired))
        {
            // The unlink won: the URB gets no RET_SUBMIT, ever; its credit comes back with the RET_UNLINK.
            _io.Send(reply, credits: retired ? 2 : 1);
        }
    }

    private void Close(LogLevel level, string reason)
    {
        const string template = "usbipd connection from {Peer} closed: {Reason}";
        switch (level)
        {
            case LogLevel.Warning:
                _log.Warning(template, _peer, reason);
                break;
            case LogLevel.Info:
                _log.Info(template, _peer, reason);
                break;
            default:
                _log.Debug(template, _peer, reason);
                break;
        }

        _io.Continue(null);
        Context.Stop(Self);
    }
}
