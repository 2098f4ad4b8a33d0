using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbMesh.Actors;
using UsbMesh.Configuration;
using UsbMesh.Node.Shell;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;
using UsbMesh.UsbHost;
using UsbMesh.Usbipd;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Node;

/// <summary>
/// Ties the actor system to the host: the host stopping (SIGTERM, Ctrl-C) runs the coordinated shutdown, and the
/// actor system terminating by itself stops the host. Each shutdown phase is logged as it starts.
/// </summary>
public sealed partial class ActorSystemService(
    ActorSystem system, NodeSettings settings, IHostApplicationLifetime lifetime, ILogger<ActorSystemService> logger,
    Config config, NodeLogLevel? logLevel = null, ShellMetrics? metrics = null)
    : IHostedService
{
    /// <summary>Why the coordinated shutdown runs when the host stops.</summary>
    public static readonly CoordinatedShutdown.Reason HostStopReason = new("host-stop");

    /// <summary>True when the actor system ended without a coordinated shutdown, i.e. its root failed.</summary>
    public static bool TerminatedUnexpectedly(ActorSystem system) =>
        system.WhenTerminated.IsCompleted && system.CoordinatedShutdown.ShutdownReason is null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var phase in CoordinatedShutdown.Phases)
        {
            system.CoordinatedShutdown.AddTask(phase, "log-phase", () =>
            {
                LogPhase(phase, system.Settings.ShutdownPhaseTimeout(phase));
                return Task.CompletedTask;
            });
        }

        // The state directory holds the identity key and gadget images: only the node's user may enter it.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(settings.StateDirectory);
        }
        else
        {
            Directory.CreateDirectory(settings.StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Identity = NodeIdentity.LoadOrCreate(settings.IdentityKeyFile, out var created);
        LogIdentity(settings.Name, Identity.Id.ToString(), created ? "created" : "loaded", settings.IdentityKeyFile);
        NodeMetrics.Watch(system, settings.Name, Identity.Id.ToString());
        Trust = TrustStore.Open(settings.Trust.StoreFile, settings.Trust.Peers);
        LogTrust(Trust.Current.Peers.Count(), settings.Trust.Peers.Peers.Count(), settings.Trust.StoreFile);
        StartExports();
        Mesh = await MeshHost.StartAsync(system, settings, Identity, Trust, Exports, logger, cancellationToken).ConfigureAwait(false);
        StartShell(Identity, Trust, Mesh);
        _ = system.WhenTerminated.ContinueWith(_ =>
        {
            if (TerminatedUnexpectedly(system))
            {
                LogTerminatedUnexpectedly(system.Name);
            }

            lifetime.StopApplication();
        }, TaskScheduler.Default);
    }

    /// <summary>This node's identity, loaded (or created on first start) when the host starts.</summary>
    public NodeIdentity? Identity { get; private set; }

    /// <summary>Who this node trusts: the configured peers and those added at run time; opened when the host starts.</summary>
    public TrustStore? Trust { get; private set; }

    /// <summary>The node's part in the mesh (remoting, membership, directory); set once the host has started.</summary>
    public MeshHost? Mesh { get; private set; }

    /// <summary>The registry of exported devices; set once the host has started.</summary>
    public IActorRef Exports { get; private set; } = ActorRefs.Nobody;

    /// <summary>The local USB host (<see cref="UsbHostActor"/>), or <see cref="ActorRefs.Nobody"/> when it is disabled.</summary>
    public IActorRef UsbHost { get; private set; } = ActorRefs.Nobody;

    /// <summary>The usbipd-compatible endpoint, or <see cref="ActorRefs.Nobody"/> when it is disabled.</summary>
    public IActorRef Usbipd { get; private set; } = ActorRefs.Nobody;

    /// <summary>The command host (<c>/user/shell</c>), or <see cref="ActorRefs.Nobody"/> when it is disabled.</summary>
    public IActorRef Shell { get; private set; } = ActorRefs.Nobody;

    /// <summary>The emulated devices (<c>/user/gadgets</c>).</summary>
    public IActorRef Gadgets { get; private set; } = ActorRefs.Nobody;

    /// <summary>The command host, its admin socket and its lane service for peers, when enabled.</summary>
    private void StartShell(NodeIdentity identity, TrustStore trust, MeshHost mesh)
    {
        if (!settings.Shell.Enabled)
        {
            return;
        }

        Shell = ShellHost.Start(new ShellServices
        {
            System = system,
            Settings = settings,
            Config = config,
            Identity = identity,
            Trust = trust,
            Remoting = mesh.Remoting,
            Mesh = mesh.Mesh,
            Exports = Exports,
            Gadgets = Gadgets,
            Imports = mesh.Imports,
            Sessions = mesh.Sessions,
            MeshDevices = mesh.MeshDevices,
            LogLevel = logLevel?.Switch,
            Metrics = metrics?.Render,
        }, settings.Shell);
        LogShell(settings.Shell.Socket, settings.Shell.Mesh ? "on" : "off");
    }

    /// <summary>
    /// The exports registry, the emulated devices, the bridges to usbipd servers, the local USB host and the
    /// usbipd-compatible endpoint, each when enabled.
    /// </summary>
    private void StartExports()
    {
        Exports = system.ActorOf(ExportsActor.Props(), "exports");
        Gadgets = system.ActorOf(GadgetsActor.Props(settings.Exports.Gadgets, Exports, settings.UsbHost.Devices), "gadgets");
        for (var i = 0; i < settings.Bridges.Count; i++)
        {
            var clientSettings = UsbIpClientSettings.Default with { Limits = settings.Exports.Usbipd.Limits };
            system.ActorOf(BridgeActor.Props(settings.Bridges[i], BridgeActor.FirstBridgeBus + i + 1, Exports, settings.UsbHost.Devices, clientSettings), $"bridge-{i + 1}");
        }

        if (settings.UsbHost.Enabled)
        {
            UsbHost = system.ActorOf(UsbHostActor.Props(settings.UsbHost, Exports), "usb-host");
        }

        if (settings.Exports.Usbipd.Enabled)
        {
            Usbipd = system.ActorOf(UsbipdListener.Props(Exports, settings.Exports.Usbipd), "usbipd");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(system.Name, system.CoordinatedShutdown.TotalTimeout);
        try
        {
            await system.CoordinatedShutdown.Run(HostStopReason).WaitAsync(cancellationToken).ConfigureAwait(false);
            await system.WhenTerminated.WaitAsync(cancellationToken).ConfigureAwait(false);
            LogStopped(system.Name, system.Uptime);
        }
        catch (OperationCanceledException)
        {
            LogNotStopped(system.Name);
        }
    }

    [LoggerMessage(LogLevel.Information, "Stopping node {Node}: coordinated shutdown, at most {Timeout}")]
    private partial void LogStopping(string node, TimeSpan timeout);

    [LoggerMessage(LogLevel.Information, "Node {Node} has id {NodeId} (key {Origin}: {KeyFile})")]
    private partial void LogIdentity(string node, string nodeId, string origin, string keyFile);

    [LoggerMessage(LogLevel.Information, "Trusting {Peers} peers ({Configured} configured, the rest from {StoreFile})")]
    private partial void LogTrust(int peers, int configured, string storeFile);

    [LoggerMessage(LogLevel.Information, "Shell: admin socket {Socket}; commands from peers over the mesh: {Mesh}")]
    private partial void LogShell(string socket, string mesh);

    [LoggerMessage(LogLevel.Information, "Shutdown phase {Phase} (at most {Timeout})")]
    private partial void LogPhase(string phase, TimeSpan timeout);

    [LoggerMessage(LogLevel.Information, "Node {Node} stopped after {Uptime}")]
    private partial void LogStopped(string node, TimeSpan uptime);

    [LoggerMessage(LogLevel.Error, "The actor system of node {Node} terminated without a shutdown; the node stops with a failure")]
    private partial void LogTerminatedUnexpectedly(string node);

    [LoggerMessage(LogLevel.Warning, "Node {Node} did not stop within the host's shutdown timeout; giving up on it")]
    private partial void LogNotStopped(string node);
}
