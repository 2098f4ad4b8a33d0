using System.Net.Sockets;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Devices;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Usbipd;

namespace UsbMesh.Node;

/// <summary>The protocol of <see cref="GadgetsActor"/> beyond the configured gadgets: the shell's <c>gadgets</c> palette.</summary>
internal static class Gadgets
{
    /// <summary>Creates a gadget now (until the node restarts). Answer: <see cref="Created"/> or <see cref="Failed"/>.</summary>
    public sealed record Create(GadgetSettings Settings);

    public sealed record Created(string Name, string BusId);

    /// <summary>A gadget request could not be done; <paramref name="Reason"/> says why.</summary>
    public sealed record Failed(string Reason);

    /// <summary>Asks for <see cref="Current"/>.</summary>
    public sealed record List
    {
        public static readonly List Instance = new();
    }

    public sealed record Current(IReadOnlyList<Summary> Gadgets);

    /// <summary>One gadget: its name, kind (keyboard, mass-storage, serial), bus id and, for a keyboard, the key reports the host has yet to read.</summary>
    public sealed record Summary(string Name, string Type, string BusId, int? QueuedReports);

    /// <summary>Types <paramref name="Text"/> on keyboard gadget <paramref name="Name"/>. Answer: <see cref="Typed"/> or <see cref="Failed"/>.</summary>
    public sealed record Type(string Name, string Text);

    /// <summary>The text is queued as key reports for the host to read.</summary>
    public sealed record Typed(string Name, int Characters, int QueuedReports);

    public static string TypeName(GadgetSettings settings) => settings switch
    {
        KeyboardSettings => "keyboard",
        MassStorageSettings => "mass-storage",
        SerialSettings => "serial",
        _ => settings.GetType().Name,
    };
}

/// <summary>
/// <c>/user/gadgets</c>: creates a device actor for each configured emulated device and offers it through the
/// exports registry; more are created at run time by the shell. Gadgets sit on a bus of their own, so their bus ids
/// never collide with real devices'.
/// </summary>
internal sealed class GadgetsActor : ReceiveActor
{
    /// <summary>The bus number of emulated devices; real buses are numbered from 1 by the kernel.</summary>
    public const int GadgetBus = 100;

    private readonly IActorRef _exports;
    private readonly UsbDeviceSettings _deviceSettings;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<string, (GadgetSettings Settings, GadgetBackend Backend, string BusId)> _gadgets = new(StringComparer.Ordinal);
    private int _lastDevNum;

    public GadgetsActor(IReadOnlyList<GadgetSettings> gadgets, IActorRef exports, UsbDeviceSettings deviceSettings)
    {
        _exports = exports;
        _deviceSettings = deviceSettings;
        _log = Context.GetLogger();
        foreach (var settings in gadgets)
        {
            try
            {
                Create(settings);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or SocketException)
            {
                // One broken gadget (an image that cannot be opened, a serial bridge's port in use) must not keep the
                // others or the node down.
                _lastDevNum++;
                _log.Error(e, "Gadget {Gadget} could not be created: {Reason}", settings.Name, e.Message);
            }
        }

        Receive<Exports.Registered>(_ => { });
        Receive<Exports.Rejected>(r => _log.Warning("A gadget was not exported: {Rejection}", r));
        Receive<Gadgets.Create>(create =>
        {
            if (_gadgets.ContainsKey(create.Settings.Name))
            {
                Sender.Tell(new Gadgets.Failed($"a gadget named '{create.Settings.Name}' exists already"));
                return;
            }

            try
            {
                Sender.Tell(new Gadgets.Created(create.Settings.Name, Create(create.Settings)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or SocketException)
            {
                Sender.Tell(new Gadgets.Failed(e.Message));
            }
        });
        Receive<Gadgets.List>(_ => Sender.Tell(new Gadgets.Current([.. _gadgets.OrderBy(g => g.Value.BusId, StringComparer.Ordinal).Select(g =>
            new Gadgets.Summary(g.Key, Gadgets.TypeName(g.Value.Settings), g.Value.BusId, (g.Value.Backend as KeyboardGadget)?.QueuedReports))])));
        Receive<Gadgets.Type>(type =>
        {
            if (!_gadgets.TryGetValue(type.Name, out var gadget) || gadget.Backend is not KeyboardGadget keyboard)
            {
                Sender.Tell(new Gadgets.Failed(gadget.Backend is null ? $"no gadget '{type.Name}'" : $"'{type.Name}' is a {Gadgets.TypeName(gadget.Settings)} gadget, not a keyboard"));
                return;
            }

            try
            {
                keyboard.Type(type.Text);
                Sender.Tell(new Gadgets.Typed(type.Name, type.Text.Length, keyboard.QueuedReports));
            }
            catch (Exception e) when (e is ArgumentException or ObjectDisposedException)
            {
                Sender.Tell(new Gadgets.Failed(e.Message));
            }
        });
    }

    public static Props Props(IReadOnlyList<GadgetSettings> gadgets, IActorRef exports, UsbDeviceSettings deviceSettings) =>
        Actors.Props.Create(() => new GadgetsActor(gadgets, exports, deviceSettings));

    /// <summary>Builds the gadget, its device actor, and offers it; returns its bus id.</summary>
    private string Create(GadgetSettings settings)
    {
        var name = settings.Name;
        // A tcp-mode serial gadget starts its listener here and logs where (and its clients) through this.
        var backend = GadgetFactory.Create(settings, line => _log.Info("Gadget {Gadget}: {Line}", name, line));
        var devNum = ++_lastDevNum;
        var device = Context.ActorOf(UsbDeviceActor.Props(backend, _deviceSettings), Uri.EscapeDataString(name));
        var busId = $"{GadgetBus}-{devNum}";
        _exports.Tell(new Exports.Register(new ExportedDevice(busId, $"/sys/devices/usbmesh/gadgets/{name}", GadgetBus, devNum, device, settings.ShareWith)));
        _gadgets[name] = (settings, backend, busId);
        _log.Info("Gadget {Gadget} ({Type}) created as {BusId}", name, settings.GetType().Name, busId);
        return busId;
    }
}
