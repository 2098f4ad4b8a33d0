using System.Collections.Immutable;
using System.Text.RegularExpressions;
using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Configuration;
using UsbMesh.UsbHost;

namespace UsbMesh.Node;

/// <summary>
/// The settings of <c>usbmesh { }</c> the node uses so far, read from the configuration and validated: the node's
/// name and state directory, logging, the actor system's dispatchers and ask timeout, and the shutdown phases.
/// </summary>
public sealed partial record NodeSettings
{
    public const string NamePath = "usbmesh.node.name";
    public const string StateDirectoryPath = "usbmesh.node.state-directory";
    public const string AskTimeoutPath = "usbmesh.actor.ask-timeout";
    public const string LogDeadLettersPath = "usbmesh.actor.log-dead-letters";
    public const string DispatchersPath = "usbmesh.actor.dispatchers";
    public const string IdentityKeyFilePath = "usbmesh.identity.key-file";
    public const string DefaultPhaseTimeoutPath = "usbmesh.coordinated-shutdown.default-phase-timeout";
    public const string PhasesPath = "usbmesh.coordinated-shutdown.phases";

    /// <summary>Settings that name a dispatcher, which must then be configured.</summary>
    private static readonly string[] DispatcherReferences =
    [
        $"{UsbHostSettingsReader.UsbHostPath}.dispatcher",
        UsbHostSettingsReader.DeviceDispatcherPath,
        $"{ExportSettings.UsbipdPath}.dispatcher",
    ];

    private static readonly (string Name, string Type)[] DispatcherTypes =
    [
        (DispatcherSettings.ThreadPoolType, DispatcherSettings.ThreadPoolType),
        (DispatcherSettings.PinnedType, DispatcherSettings.PinnedType),
        (DispatcherSettings.ForkJoinType, DispatcherSettings.ForkJoinType),
        (DispatcherSettings.CallingThreadType, DispatcherSettings.CallingThreadType),
    ];

    /// <summary>The node's name, which is also its actor system's name.</summary>
    public required string Name { get; init; }

    /// <summary>The directory of the node's state, as an absolute path.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The node's Ed25519 key file (<c>usbmesh.identity.key-file</c>, relative to the state directory).</summary>
    public required string IdentityKeyFile { get; init; }

    /// <summary>Who this node trusts (<c>usbmesh.trust</c>).</summary>
    public required TrustSettings Trust { get; init; }

    /// <summary>How this node connects to its peers (<c>usbmesh.transports</c>).</summary>
    public required TransportSettings Transports { get; init; }

    /// <summary>Where this node accepts mesh connections (<c>usbmesh.listen</c>).</summary>
    public required ListenSettings Listen { get; init; }

    /// <summary>Seeds, gossip, failure detection and the device directory (<c>usbmesh.mesh</c>).</summary>
    public required MeshSettings Mesh { get; init; }

    /// <summary>Limits and timing of messages between nodes (<c>usbmesh.remote</c>).</summary>
    public required Mesh.Remote.RemotingSettings Remoting { get; init; }

    /// <summary>Device sessions between nodes (<c>usbmesh.sessions</c>).</summary>
    public required Sessions.SessionSettings Sessions { get; init; }

    /// <summary>Devices of other nodes this node imports, and where they appear (<c>usbmesh.imports</c>).</summary>
    public required ImportSettings Imports { get; init; }

    public required LoggingSettings Logging { get; init; }

    /// <summary>The command host: the admin socket and commands from peers (<c>usbmesh.shell</c>).</summary>
    public required Shell.ShellSettings Shell { get; init; }

    /// <summary>The emulated devices and the usbipd-compatible endpoint.</summary>
    public required ExportSettings Exports { get; init; }

    /// <summary>The usbipd servers whose devices this node imports and offers as its own (<c>usbmesh.bridges</c>).</summary>
    public required IReadOnlyList<BridgeSettings> Bridges { get; init; }

    /// <summary>Local USB devices: the host actor and the export policy (<c>usbmesh.usb-host</c>, <c>usbmesh.exports</c>).</summary>
    public required UsbHostSettings UsbHost { get; init; }

    public required TimeSpan AskTimeout { get; init; }

    public required int LogDeadLetters { get; init; }

    /// <summary>The configured dispatchers merged over <see cref="ActorSystemSettings.BuiltInDispatchers"/>.</summary>
    public required ImmutableDictionary<string, DispatcherSettings> Dispatchers { get; init; }

    public required TimeSpan DefaultShutdownPhaseTimeout { get; init; }

    /// <summary>Phases whose timeout differs from <see cref="DefaultShutdownPhaseTimeout"/>.</summary>
    public required ImmutableDictionary<string, TimeSpan> ShutdownPhaseTimeouts { get; init; }

    /// <summary>
    /// Reads and validates the settings. The configuration is completed with <see cref="NodeConfig.Reference"/>
    /// first, so a file or string that states only some settings is enough.
    /// </summary>
    /// <exception cref="ConfigurationException">A value is missing, of the wrong type or out of range; the message
    /// names its path and where it was set.</exception>
    public static NodeSettings FromConfig(Config config) => FromCompleteConfig(NodeConfig.WithReference(config));

    /// <summary>Reads the settings from a configuration that already falls back to the reference, resolved.</summary>
    internal static NodeSettings FromCompleteConfig(Config config)
    {
        var reader = new SettingsReader(config);
        var stateDirectory = ReadStateDirectory(reader);
        var dispatchers = ReadDispatchers(reader);
        foreach (var path in DispatcherReferences)
        {
            var id = reader.String(path);
            if (!dispatchers.ContainsKey(id))
            {
                throw reader.Invalid(path, $"no dispatcher [{id}] in {DispatchersPath}; there are {string.Join(", ", dispatchers.Keys.Order())}");
            }
        }

        return new NodeSettings
        {
            Name = ReadName(reader),
            StateDirectory = stateDirectory,
            IdentityKeyFile = ReadIdentityKeyFile(reader, stateDirectory),
            Trust = TrustSettings.Read(reader, stateDirectory),
            Transports = TransportSettings.Read(reader),
            Listen = ListenSettings.Read(reader),
            Remoting = RemotingSettingsReader.Read(reader),
            Mesh = MeshSettings.Read(reader),
            Sessions = SessionSettingsReader.Read(reader),
            Imports = ImportSettings.Read(reader),
            Logging = LoggingSettings.Read(reader, stateDirectory),
            Shell = Node.Shell.ShellSettings.Read(reader, stateDirectory),
            Exports = ExportSettings.Read(reader, stateDirectory),
            Bridges = BridgeSettings.Read(reader.Config),
            UsbHost = UsbHostSettingsReader.Read(reader, () => new NodeOwnDevices().Find()),
            AskTimeout = reader.PositiveDuration(AskTimeoutPath),
            LogDeadLetters = reader.Int(LogDeadLettersPath, minimum: 0),
            Dispatchers = dispatchers,
            DefaultShutdownPhaseTimeout = reader.PositiveDuration(DefaultPhaseTimeoutPath),
            ShutdownPhaseTimeouts = ReadPhaseTimeouts(reader),
        };
    }

    /// <summary>The actor system's settings; its events are written to <paramref name="logger"/>.</summary>
    public ActorSystemSettings ToActorSystemSettings(Serilog.ILogger? logger = null) => new()
    {
        Dispatchers = Dispatchers,
        LogLevel = Logging.LowestLevel,
        Logger = logger,
        LogDeadLetters = LogDeadLetters,
        AskTimeout = AskTimeout,
        DefaultShutdownPhaseTimeout = DefaultShutdownPhaseTimeout,
        ShutdownPhaseTimeouts = ShutdownPhaseTimeouts,
    };

    /// <summary>A host name as a node name: characters a node name cannot have become '-'.</summary>
    internal static string FromHostName(string hostName)
    {
        var name = InvalidNameCharacter().Replace(hostName, "-").TrimStart('-', '_');
        return name.Length > 0 ? name : "usbmesh";
    }

    private static string ReadName(SettingsReader reader)
    {
        var name = reader.String(NamePath);
        if (name.Length == 0)
        {
            return FromHostName(Environment.MachineName);
        }

        return ValidName().IsMatch(name)
            ? name
            : throw reader.Invalid(NamePath, $"[{name}] is not a valid node name: use letters, digits, '-' and '_', starting with a letter or a digit");
    }

    private static string ReadIdentityKeyFile(SettingsReader reader, string stateDirectory)
    {
        var keyFile = reader.String(IdentityKeyFilePath);
        return keyFile.Length > 0
            ? Path.GetFullPath(keyFile, stateDirectory)
            : throw reader.Invalid(IdentityKeyFilePath, "the identity key file cannot be empty");
    }

    private static string ReadStateDirectory(SettingsReader reader)
    {
        var directory = reader.String(StateDirectoryPath);
        return directory.Length > 0 ? Path.GetFullPath(directory) : throw reader.Invalid(StateDirectoryPath, "the state directory cannot be empty");
    }

    private static ImmutableDictionary<string, DispatcherSettings> ReadDispatchers(SettingsReader reader)
    {
        var dispatchers = ActorSystemSettings.BuiltInDispatchers;
        foreach (var id in reader.Keys(DispatchersPath))
        {
            var path = SettingsReader.Child(DispatchersPath, id);
            var defaults = dispatchers.TryGetValue(id, out var builtIn) ? builtIn : new DispatcherSettings();
            var type = reader.Has($"{path}.type") ? reader.OneOf($"{path}.type", DispatcherTypes) : defaults.Type;
            var throughput = reader.Has($"{path}.throughput") ? reader.Int($"{path}.throughput", minimum: 1) : defaults.Throughput;
            var threadCountPath = $"{path}.dedicated-thread-pool.thread-count";
            var threadCount = reader.Has(threadCountPath) ? reader.Int(threadCountPath, minimum: 1) : defaults.ThreadCount;
            dispatchers = dispatchers.SetItem(id, new DispatcherSettings(type, throughput, threadCount));
        }

        return dispatchers;
    }

    private static ImmutableDictionary<string, TimeSpan> ReadPhaseTimeouts(SettingsReader reader)
    {
        var timeouts = ImmutableDictionary<string, TimeSpan>.Empty;
        foreach (var phase in reader.Keys(PhasesPath))
        {
            var path = SettingsReader.Child(PhasesPath, phase);
            if (!CoordinatedShutdown.Phases.Contains(phase))
            {
                throw reader.Invalid(path, $"[{phase}] is not a shutdown phase; the phases are {string.Join(", ", CoordinatedShutdown.Phases)}");
            }

            if (reader.Has($"{path}.timeout"))
            {
                timeouts = timeouts.SetItem(phase, reader.PositiveDuration($"{path}.timeout"));
            }
        }

        return timeouts;
    }

    // The actor system's own rule for its name.
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex ValidName();

    [GeneratedRegex("[^a-zA-Z0-9_-]")]
    private static partial Regex InvalidNameCharacter();
}
