using System.Globalization;
using System.Net.Sockets;
using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Usb;
using UsbMesh.Usbipd;

namespace UsbMesh.Vhci;

/// <summary>
/// One vhci_hcd port (DESIGN §2 <c>imports/port-&lt;n&gt;</c>): attaches one device through the kernel's
/// <c>attach</c> file and serves the kernel's URBs for as long as it stays attached. Started by <see cref="VhciActor"/>.
/// </summary>
/// <remarks>
/// <para><b>Attach.</b> An AF_UNIX stream socketpair stands in for usbip's TCP connection (vhci_hcd takes any
/// connected stream socket, ADR 0012). One end is served by a <see cref="UsbipdConnection"/> started in the URB
/// phase, which the device is claimed for; the other end's fd is written to <c>attach</c> with the port, devid and
/// speed, and the kernel takes its own reference to it. This actor keeps its own until the port ends: it costs
/// nothing, as vhci_hcd shuts the socket down itself when the port goes, and it keeps the fd that the status file
/// shows as the port's <c>sockfd</c> meaning this socket.</para>
/// <para><b>Detach.</b> On <see cref="Vhci.Detach"/>, when the connection ends (the kernel detached the port, or
/// a protocol error, or a lost lease) or the device stops, the port number is written to <c>detach</c> (EINVAL,
/// "not connected", means the kernel was first) and the actor stops, which stops the connection and so gives the
/// lease back. Stopping the actor for any other reason detaches the same way.</para>
/// </remarks>
[UnsupportedOSPlatform("windows")]
public sealed class VhciPortActor : ReceiveActor
{
    private readonly Assignment _assignment;
    private readonly VhciSettings _settings;
    private readonly VhciSysfs _sysfs;
    private readonly ILoggingAdapter _log;
    private SafeSocketHandle? _kernelEnd;
    private IActorRef? _connection;
    private bool _attached;
    private bool _detached;

    /// <summary>Creates the actor; use through <see cref="Props"/>.</summary>
    /// <param name="assignment">What to attach where, for whom.</param>
    /// <param name="settings">Settings.</param>
    public VhciPortActor(Assignment assignment, VhciSettings settings)
    {
        _assignment = assignment;
        _settings = settings;
        _sysfs = new VhciSysfs(settings.SysfsRoot);
        _log = Context.GetLogger();
        ReceiveAsync<Start>(_ => AttachAsync());
    }

    /// <summary>Props for a port actor.</summary>
    /// <param name="assignment">What to attach where, for whom.</param>
    /// <param name="settings">Settings.</param>
    public static Props Props(Assignment assignment, VhciSettings settings) =>
        Actors.Props.Create(() => new VhciPortActor(assignment, settings));

    /// <summary>The port <see cref="VhciActor"/> chose for an attach.</summary>
    /// <param name="Request">The attach asked for.</param>
    /// <param name="Requester">Who asked; gets the answer and, later, <see cref="Vhci.Detached"/>.</param>
    /// <param name="Info">The device's description.</param>
    /// <param name="Port">The vhci_hcd port.</param>
    /// <param name="Attempt">How many ports were found taken before this one.</param>
    public sealed record Assignment(Vhci.Attach Request, IActorRef Requester, UsbDevice.Info Info, int Port, int Attempt);

    /// <summary>To the parent: the kernel said the port was taken meanwhile; choose another.</summary>
    internal sealed record PortTaken(Vhci.Attach Request, IActorRef Requester, UsbDevice.Info Info, int Attempt);

    private string BusId => _assignment.Request.BusId;

    private int Port => _assignment.Port;

    /// <summary>
    /// The devid of the URB headers and of <c>usbip port</c>'s "remote bus/dev": the bus id's leading number and its
    /// last number ("100-1" → 100/1, "1-1.4" → 1/4), as usbip-host derives them from a real device.
    /// </summary>
    internal static (int BusNum, int DevNum) DevIdParts(string busId)
    {
        static int Number(string text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value & 0xFFFF : 0;

        var dash = busId.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return (Number(busId), 0);
        }

        var last = busId.LastIndexOfAny(['-', '.']);
        return (Number(busId[..dash]), Number(busId[(last + 1)..]));
    }

    /// <summary>The speed vhci_hcd is told: it knows speeds up to super speed, and puts faster devices on the same hub.</summary>
    internal static uint KernelSpeed(UsbSpeed speed) => speed >= UsbSpeed.Super ? (uint)UsbSpeed.Super : (uint)speed;

    /// <inheritdoc />
    protected override void PreStart() => Self.Tell(Start.Instance, Self);

    /// <inheritdoc />
    protected override void PostStop()
    {
        if (_attached)
        {
            DetachPort("the vhci front end stopped");
        }

        _kernelEnd?.Dispose();
    }

    private async Task AttachAsync()
    {
        var errno = Libc.StreamSocketPair(out var kernelFd, out var ourFd);
        if (errno != 0)
        {
            Fail($"socketpair failed: {Libc.Describe(errno)}");
            return;
        }

        _kernelEnd = new SafeSocketHandle(kernelFd, ownsHandle: true);
        var ours = new Socket(new SafeSocketHandle(ourFd, ownsHandle: true));
        var (busNum, devNum) = DevIdParts(BusId);
        var device = _assignment.Request.Device;
        var export = new ExportedDevice(BusId, $"/sys/devices/platform/vhci_hcd.0/port{Port}", busNum, devNum, device);
        _connection = Context.ActorOf(
            UsbipdConnection.PropsForImported(ours, $"vhci_hcd port {Port}", export, _assignment.Info, _settings.Connection)
                .WithDispatcher(_settings.Connection.Dispatcher),
            "connection");
        Context.Watch(_connection);

        object answer;
        try
        {
            answer = await device.Ask(new UsbDevice.Claim(_connection), _settings.ImportTimeout);
        }
        catch (AskTimeoutException)
        {
            Fail($"the device did not answer the claim within {_settings.ImportTimeout.TotalSeconds:0.#} s");
            return;
        }

        if (answer is not UsbDevice.Claimed)
        {
            var holder = (answer as UsbDevice.Busy)?.CurrentHolder.Path.ToString() ?? answer.GetType().Name;
            Fail($"the device is in use (its lease is held by {holder})");
            return;
        }

        Context.Watch(device);
        var speed = KernelSpeed(_assignment.Info.Speed);
        errno = _sysfs.Attach(Port, (int)_kernelEnd.DangerousGetHandle(), export.DevId, speed);
        if (errno == Libc.EBUSY && _assignment.Attempt < _settings.AttachRetries)
        {
            _log.Info("vhci_hcd port {Port} was taken before {BusId} could be attached; choosing another", Port, BusId);
            Context.Parent.Tell(new PortTaken(_assignment.Request, _assignment.Requester, _assignment.Info, _assignment.Attempt), Self);
            Context.Stop(Self);
            return;
        }

        if (errno != 0)
        {
            Fail(VhciReasons.AttachWrite(errno, _sysfs.AttachPath, Port, speed, _sysfs.ControllerDirectory));
            return;
        }

        _attached = true;
        WriteRecord();
        _log.Info("Attached {BusId} to vhci_hcd port {Port} ({Speed} speed, devid {DevId:x8})", BusId, Port, _assignment.Info.Speed, export.DevId);
        _assignment.Requester.Tell(new Vhci.Attached(BusId, Port, Self), Self);
        Become(Serving);
    }

    private void Serving()
    {
        Receive<Vhci.Detach>(_ =>
        {
            DetachPort("detached on request");
            if (!Sender.Equals(_assignment.Requester) && !Sender.IsNobody())
            {
                Sender.Tell(new Vhci.Detached(BusId, Port, "detached on request"), Self);
            }

            Context.Stop(Self);
        });
        Receive<Terminated>(
            _ =>
            {
                DetachPort("the connection with the kernel ended (the port was detached, or the device failed)");
                Context.Stop(Self);
            },
            t => t.ActorRef.Equals(_connection));
        Receive<Terminated>(
            _ =>
            {
                DetachPort("the device stopped");
                Context.Stop(Self);
            },
            t => t.ActorRef.Equals(_assignment.Request.Device));
    }

    private void DetachPort(string reason)
    {
        if (_detached)
        {
            return;
        }

        _detached = true;
        var errno = _sysfs.Detach(Port);
        if (errno is not (0 or Libc.EINVAL))
        {
            _log.Warning("Writing {Port} to {Path} failed: {Error}", Port, _sysfs.DetachPath, Libc.Describe(errno));
        }

        RemoveRecord();
        _log.Info("Detached {BusId} from vhci_hcd port {Port}: {Reason}", BusId, Port, reason);
        _assignment.Requester.Tell(new Vhci.Detached(BusId, Port, reason), Self);
    }

    private string? RecordPath => _settings.StateDirectory is { } directory
        ? Path.Combine(directory, "port" + Port.ToString(CultureInfo.InvariantCulture))
        : null;

    private void WriteRecord()
    {
        if (RecordPath is not { } path)
        {
            return;
        }

        try
        {
            // As usbip attach leaves it: a root-only directory and file, "host port busid" on one line.
            Directory.CreateDirectory(_settings.StateDirectory!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllText(path, $"usbmesh local {BusId}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only usbip port's listing misses it; the attach itself stands.
            _log.Debug("No usbip record for vhci_hcd port {Port} ({Path}): {Error}", Port, path, e.Message);
        }
    }

    private void RemoveRecord()
    {
        if (RecordPath is not { } path)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Debug("The usbip record of vhci_hcd port {Port} ({Path}) stays: {Error}", Port, path, e.Message);
        }
    }

    private void Fail(string reason)
    {
        _log.Warning("Attaching {BusId} to vhci_hcd port {Port} failed: {Reason}", BusId, Port, reason);
        _assignment.Requester.Tell(new Vhci.AttachFailed(BusId, reason), Self);
        Context.Stop(Self);
    }

    private sealed record Start
    {
        public static readonly Start Instance = new();
    }
}
