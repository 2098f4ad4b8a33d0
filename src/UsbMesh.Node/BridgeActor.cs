using System.Net;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Usbipd;
using UsbMesh.Usbipd.Client;
using UsbMesh.UsbIp;

namespace UsbMesh.Node;

/// <summary>
/// <c>/user/bridges/&lt;n&gt;</c>: imports the devices of one usbipd server and offers each like a local device, a
/// <see cref="UsbDeviceActor"/> over a <see cref="UsbIpClientBackend"/> registered in the exports registry under the
/// server's bus id with the bridge's prefix.
/// </summary>
/// <remarks>
/// Every reconnect interval it lists the server (while a device it should import is missing, or always when it
/// imports every device listed) and imports what is listed and not imported yet. When an imported connection ends
/// (the server went, or the device was unplugged there) the device actor stops, which withdraws the export and ends
/// whatever lease a client had; the next round imports it again once the server lists it. Each step is logged once:
/// a server that stays unreachable, or a device that stays refused, is logged when that starts and when it ends, not
/// every round.
/// </remarks>
internal sealed class BridgeActor : ReceiveActor, IWithTimers
{
    /// <summary>Bridged devices' bus numbers start here (bridge n has bus 200 + n); gadgets have 100, real buses count from 1.</summary>
    public const int FirstBridgeBus = 200;

    private readonly BridgeSettings _settings;
    private readonly IActorRef _exports;
    private readonly UsbDeviceSettings _deviceSettings;
    private readonly UsbIpClientSettings _clientSettings;
    private readonly EndPoint _server;
    private readonly int _busNum;
    private readonly ILoggingAdapter _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, Bridged> _imported = new(StringComparer.Ordinal);
    private readonly HashSet<string> _importing = new(StringComparer.Ordinal);

    /// <summary>What was last logged about the server (key "") and each device: a step is logged when it changes.</summary>
    private readonly Dictionary<string, string> _lastLogged = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _listed = [];
    private bool _listing;
    private int _generation;

    public BridgeActor(BridgeSettings settings, int busNum, IActorRef exports, UsbDeviceSettings deviceSettings, UsbIpClientSettings clientSettings)
    {
        _settings = settings;
        _busNum = busNum;
        _exports = exports;
        _deviceSettings = deviceSettings;
        _clientSettings = clientSettings;
        _server = IPAddress.TryParse(settings.Host, out var address) ? new IPEndPoint(address, settings.Port) : new DnsEndPoint(settings.Host, settings.Port);
        _log = Context.GetLogger();

        Receive<Poll>(_ => OnPoll());
        Receive<Listed>(OnListed);
        Receive<ListFailed>(OnListFailed);
        Receive<Imported>(OnImported);
        Receive<ImportFailed>(OnImportFailed);
        Receive<Lost>(l => Withdraw(l.BusId, l.Device, l.Reason));
        Receive<Terminated>(t =>
        {
            if (_imported.FirstOrDefault(b => b.Value.Device.Equals(t.ActorRef)) is { Key: { } busId })
            {
                Withdraw(busId, t.ActorRef, "its device actor stopped");
            }
        });
        Receive<Exports.Registered>(_ => { });
        Receive<Exports.Unregistered>(_ => { });
        Receive<Exports.Rejected>(r =>
        {
            if (_imported.FirstOrDefault(b => _settings.LocalBusId(b.Key) == r.BusId) is { Key: { } busId, Value: { } bridged })
            {
                Withdraw(busId, bridged.Device, $"the exports registry refused it: {r.Reason}");
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BridgeSettings settings, int busNum, IActorRef exports, UsbDeviceSettings deviceSettings, UsbIpClientSettings? clientSettings = null) =>
        Actors.Props.Create(() => new BridgeActor(settings, busNum, exports, deviceSettings, clientSettings ?? UsbIpClientSettings.Default));

    protected override void PreStart()
    {
        var devices = _settings.Devices.Count == 0 ? "every device it lists" : string.Join(", ", _settings.Devices);
        _log.Info("Bridge {Server}: importing {Devices}, offered as {Prefix}<bus id>", _settings.Server, devices, _settings.BusIdPrefix);
        Timers.StartPeriodicTimer("poll", Poll.Instance, TimeSpan.Zero, _settings.ReconnectInterval);
    }

    protected override void PostStop()
    {
        // Imports still under way dispose what they get (see StartImport); the device actors, children, stop with
        // this actor and close their connections.
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>The server's bus ids this bridge should have imported now.</summary>
    private IEnumerable<string> Wanted => _settings.Devices.Count == 0 ? _listed : _settings.Devices;

    private void OnPoll()
    {
        // With a fixed list there is nothing to ask the server while every device is in.
        var missing = _settings.Devices.Count == 0 || _settings.Devices.Any(d => !_imported.ContainsKey(d) && !_importing.Contains(d));
        if (_listing || !missing)
        {
            return;
        }

        _listing = true;
        UsbIpClient.ListAsync(_server, _clientSettings, _stopping.Token)
            .PipeTo(Self, success: devices => new Listed(devices), failure: e => new ListFailed(e));
    }

    private void OnListed(Listed listed)
    {
        _listing = false;
        _listed = [.. listed.Devices.Select(d => d.Device.BusId)];
        Report("", $"the server lists {_listed.Count} device(s){(_listed.Count == 0 ? "" : ": " + string.Join(", ", _listed))}", LogLevel.Info);
        foreach (var busId in Wanted)
        {
            if (_imported.ContainsKey(busId) || _importing.Contains(busId))
            {
                continue;
            }

            if (!_listed.Contains(busId))
            {
                Report(busId, $"{busId} is not listed by the server; looking again every {Interval}", LogLevel.Warning);
            }
            else if (!_settings.Fits(busId))
            {
                Report(busId, $"{busId} is not offered: with {_settings.BusIdPrefix} before it, it is longer than USB/IP's {UsbIpConstants.BusIdLength - 1} characters", LogLevel.Warning);
            }
            else
            {
                StartImport(busId);
            }
        }
    }

    private void OnListFailed(ListFailed failed)
    {
        _listing = false;
        if (!_stopping.IsCancellationRequested)
        {
            Report("", $"cannot list the server's devices ({Reason(failed.Cause)}); trying again every {Interval}", LogLevel.Warning);
        }
    }

    private void StartImport(string busId)
    {
        _importing.Add(busId);
        var self = Self;
        var stopping = _stopping.Token;
        UsbIpClientBackend.ImportAsync(_server, busId, _clientSettings, stopping).ContinueWith(task =>
        {
            if (!task.IsCompletedSuccessfully)
            {
                self.Tell(new ImportFailed(busId, task.Exception?.GetBaseException() ?? new TaskCanceledException(task)));
            }
            else if (stopping.IsCancellationRequested)
            {
                // The bridge stopped while the import ran: nobody would close the connection otherwise.
                _ = task.Result.DisposeAsync().AsTask();
            }
            else
            {
                self.Tell(new Imported(busId, task.Result));
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnImported(Imported imported)
    {
        var busId = imported.BusId;
        _importing.Remove(busId);
        var backend = imported.Backend;
        var localBusId = _settings.LocalBusId(busId);
        var devNum = ++_generation;
        var device = Context.ActorOf(UsbDeviceActor.Props(backend, _deviceSettings), $"{Uri.EscapeDataString(busId)}-{devNum}");
        Context.Watch(device);
        _imported[busId] = new Bridged(device);
        backend.Closed.PipeTo(Self, success: reason => new Lost(busId, device, reason), failure: e => new Lost(busId, device, e.Message));

        var path = $"/sys/devices/usbmesh/bridges/{_settings.Server}/{busId}";
        _exports.Tell(new Exports.Register(new ExportedDevice(localBusId, path, _busNum, devNum & 0xFFFF, device, _settings.ShareWith)));
        Report(busId, $"imported {busId} ({backend.Device.VendorId:x4}:{backend.Device.ProductId:x4}, {backend.Speed.ToString().ToLowerInvariant()} speed), offered as {localBusId}", LogLevel.Info);
    }

    private void OnImportFailed(ImportFailed failed)
    {
        _importing.Remove(failed.BusId);
        if (!_stopping.IsCancellationRequested)
        {
            Report(failed.BusId, $"cannot import {failed.BusId} ({Reason(failed.Cause)}); trying again every {Interval}", LogLevel.Warning);
        }
    }

    /// <summary>The device went (its connection ended, its actor stopped, or its export was refused): stop offering it.</summary>
    private void Withdraw(string busId, IActorRef device, string reason)
    {
        if (!_imported.TryGetValue(busId, out var bridged) || !bridged.Device.Equals(device))
        {
            return;
        }

        _imported.Remove(busId);
        Context.Unwatch(device);
        Context.Stop(device);
        _exports.Tell(new Exports.Unregister(_settings.LocalBusId(busId)));
        Report(busId, $"{busId} ({_settings.LocalBusId(busId)}) is gone: {reason}; looking for it again every {Interval}", LogLevel.Warning);
    }

    /// <summary>Logs <paramref name="step"/> for <paramref name="subject"/> unless it is what was logged for it last.</summary>
    private void Report(string subject, string step, LogLevel level)
    {
        if (_lastLogged.TryGetValue(subject, out var last) && last == step)
        {
            return;
        }

        _lastLogged[subject] = step;
        if (level == LogLevel.Warning)
        {
            _log.Warning("Bridge {Server}: {Step}", _settings.Server, step);
        }
        else
        {
            _log.Info("Bridge {Server}: {Step}", _settings.Server, step);
        }
    }

    private string Interval => _settings.ReconnectInterval.TotalSeconds >= 1
        ? $"{_settings.ReconnectInterval.TotalSeconds:0.###} s"
        : $"{_settings.ReconnectInterval.TotalMilliseconds:0} ms";

    private static string Reason(Exception cause) => cause switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Reason(aggregate.InnerExceptions[0]),
        _ => cause.Message,
    };

    private sealed record Bridged(IActorRef Device);

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record Listed(IReadOnlyList<UsbIpExportedDevice> Devices);

    private sealed record ListFailed(Exception Cause);

    private sealed record Imported(string BusId, UsbIpClientBackend Backend);

    private sealed record ImportFailed(string BusId, Exception Cause);

    private sealed record Lost(string BusId, IActorRef Device, string Reason);
}
