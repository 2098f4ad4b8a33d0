using System.Collections.Concurrent;

namespace UsbMesh.Actors.Dispatch;

/// <summary>How a named dispatcher runs its actors.</summary>
/// <param name="Type">
/// <c>Dispatcher</c> (the thread pool), <c>PinnedDispatcher</c> (one dedicated thread per actor),
/// <c>ForkJoinDispatcher</c> (a few dedicated threads shared by its actors) or <c>CallingThreadDispatcher</c> (the
/// sender's thread, for deterministic tests).
/// </param>
/// <param name="Throughput">User messages an actor processes per turn before it yields its thread.</param>
/// <param name="ThreadCount">Threads of a <c>ForkJoinDispatcher</c> (its <c>dedicated-thread-pool.thread-count</c>).</param>
public sealed record DispatcherSettings(string Type = DispatcherSettings.ThreadPoolType, int Throughput = 30, int ThreadCount = 1)
{
    public const string ThreadPoolType = "Dispatcher";
    public const string PinnedType = "PinnedDispatcher";
    public const string ForkJoinType = "ForkJoinDispatcher";
    public const string CallingThreadType = "CallingThreadDispatcher";
}

/// <summary>The dispatchers of one actor system, created on first use from <see cref="ActorSystemSettings.Dispatchers"/>.</summary>
public sealed class Dispatchers
{
    public const string DefaultDispatcherId = "default-dispatcher";
    public const string PinnedDispatcherId = "pinned-dispatcher";
    public const string CallingThreadDispatcherId = "calling-thread-dispatcher";

    private readonly IReadOnlyDictionary<string, DispatcherSettings> _settings;
    private readonly ConcurrentDictionary<string, MessageDispatcher> _created = new();

    internal Dispatchers(IReadOnlyDictionary<string, DispatcherSettings> settings)
    {
        _settings = settings;
    }

    public bool HasDispatcher(string id) => _settings.ContainsKey(id);

    internal MessageDispatcher Lookup(string id) => _created.GetOrAdd(id, Create);

    private MessageDispatcher Create(string id)
    {
        if (!_settings.TryGetValue(id, out var settings))
        {
            throw new InvalidOperationException(
                $"Dispatcher [{id}] is not configured; configured: {string.Join(", ", _settings.Keys.Order())}.");
        }

        return settings.Type switch
        {
            DispatcherSettings.ThreadPoolType => new ThreadPoolDispatcher(id, settings.Throughput),
            DispatcherSettings.PinnedType => new PinnedDispatcher(id, settings.Throughput),
            DispatcherSettings.ForkJoinType => new ForkJoinDispatcher(id, settings.Throughput, settings.ThreadCount),
            DispatcherSettings.CallingThreadType => new CallingThreadDispatcher(id),
            _ => throw new InvalidOperationException(
                $"Dispatcher [{id}] has unknown type [{settings.Type}]; expected {DispatcherSettings.ThreadPoolType}, " +
                $"{DispatcherSettings.PinnedType}, {DispatcherSettings.ForkJoinType} or {DispatcherSettings.CallingThreadType}."),
        };
    }

    internal void Shutdown()
    {
        foreach (var dispatcher in _created.Values)
        {
            dispatcher.Shutdown();
        }
    }
}
