using System.Collections.Immutable;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Actors;

/// <summary>
/// Everything an actor system is configured with. The kernel takes typed settings rather than a configuration tree;
/// the node maps its configuration onto this record.
/// </summary>
public sealed record ActorSystemSettings
{
    /// <summary>The dispatchers every system has; entries in <see cref="Dispatchers"/> with the same id replace them.</summary>
    public static readonly ImmutableDictionary<string, DispatcherSettings> BuiltInDispatchers =
        ImmutableDictionary<string, DispatcherSettings>.Empty
            .Add(Dispatch.Dispatchers.DefaultDispatcherId, new DispatcherSettings())
            .Add(Dispatch.Dispatchers.PinnedDispatcherId, new DispatcherSettings(DispatcherSettings.PinnedType))
            .Add(Dispatch.Dispatchers.CallingThreadDispatcherId, new DispatcherSettings(DispatcherSettings.CallingThreadType));

    public static readonly ActorSystemSettings Default = new();

    /// <summary>Dispatchers by id; see <see cref="BuiltInDispatchers"/>.</summary>
    public ImmutableDictionary<string, DispatcherSettings> Dispatchers { get; init; } = BuiltInDispatchers;

    /// <summary>Events below this level are not even created.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    /// <summary>Where log events end up; <see cref="Serilog.Log.Logger"/> when null.</summary>
    public Serilog.ILogger? Logger { get; init; }

    /// <summary>How many dead letters are logged before the log goes quiet (they are still published); 0 logs none.</summary>
    public int LogDeadLetters { get; init; } = 10;

    /// <summary>How <c>/user</c> supervises top-level actors. A strategy that escalates ends the actor system when a
    /// top-level actor fails, for nodes that prefer a restart by their service manager to a restart in place.</summary>
    public SupervisorStrategy GuardianSupervisorStrategy { get; init; } = SupervisorStrategy.DefaultStrategy;

    /// <summary>The timeout of an <c>Ask</c> that names none. Finite so that a lost reply never hangs a caller.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long each coordinated-shutdown phase may take unless <see cref="ShutdownPhaseTimeouts"/> says otherwise.</summary>
    public TimeSpan DefaultShutdownPhaseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-phase overrides of <see cref="DefaultShutdownPhaseTimeout"/>, by phase name.</summary>
    public ImmutableDictionary<string, TimeSpan> ShutdownPhaseTimeouts { get; init; } =
        ImmutableDictionary<string, TimeSpan>.Empty.Add(CoordinatedShutdown.PhaseActorSystemTerminate, TimeSpan.FromSeconds(10));

    /// <summary>Returns a copy with the dispatcher <paramref name="id"/> added or replaced.</summary>
    public ActorSystemSettings WithDispatcher(string id, DispatcherSettings settings) =>
        this with { Dispatchers = Dispatchers.SetItem(id, settings) };

    public TimeSpan ShutdownPhaseTimeout(string phase) =>
        ShutdownPhaseTimeouts.TryGetValue(phase, out var timeout) ? timeout : DefaultShutdownPhaseTimeout;
}
