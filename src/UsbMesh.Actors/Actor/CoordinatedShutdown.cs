namespace UsbMesh.Actors;

/// <summary>
/// Stops a node in phases, each with a timeout, so that a stuck task delays shutdown but never prevents it:
/// stop accepting work, drain what is in flight, stop the services' actors, release resources, terminate the actors.
/// Tasks of one phase run concurrently; phases run in order. Running it twice returns the same task.
/// </summary>
public sealed class CoordinatedShutdown
{
    public const string PhaseBeforeServiceUnbind = "before-service-unbind";

    /// <summary>Stop accepting new connections and requests.</summary>
    public const string PhaseServiceUnbind = "service-unbind";

    /// <summary>Wait for requests in flight to finish.</summary>
    public const string PhaseServiceRequestsDone = "service-requests-done";

    /// <summary>Stop the services' actors.</summary>
    public const string PhaseServiceStop = "service-stop";

    /// <summary>Release resources the actors held (devices, sockets, files).</summary>
    public const string PhaseBeforeActorSystemTerminate = "before-actor-system-terminate";

    /// <summary>Stop every actor; the system is terminated at the end of this phase.</summary>
    public const string PhaseActorSystemTerminate = "actor-system-terminate";

    public static readonly IReadOnlyList<string> Phases =
    [
        PhaseBeforeServiceUnbind, PhaseServiceUnbind, PhaseServiceRequestsDone, PhaseServiceStop,
        PhaseBeforeActorSystemTerminate, PhaseActorSystemTerminate,
    ];

    public static readonly Reason ActorSystemTerminateReason = new("actor-system-terminate");
    public static readonly Reason ClrExitReason = new("clr-exit");
    public static readonly Reason UnknownReason = new("unknown");

    private readonly ActorSystemImpl _system;
    private readonly object _lock = new();
    private readonly Dictionary<string, List<(string Name, Func<Task> Run)>> _tasks = [];
    private Task? _run;

    internal CoordinatedShutdown(ActorSystemImpl system)
    {
        _system = system;
        AddTask(PhaseActorSystemTerminate, "terminate-actor-tree", () =>
        {
            system.StopActorTree();
            return system.WhenTerminated;
        });
    }

    /// <summary>Why the shutdown runs; null until it does.</summary>
    public Reason? ShutdownReason { get; private set; }

    /// <summary>The sum of all phase timeouts: the longest a shutdown can take.</summary>
    public TimeSpan TotalTimeout => Phases.Aggregate(TimeSpan.Zero, (sum, phase) => sum + _system.Settings.ShutdownPhaseTimeout(phase));

    public static CoordinatedShutdown Get(ActorSystem system) => system.CoordinatedShutdown;

    /// <summary>Adds a task to a phase; it must complete within the phase's timeout.</summary>
    public void AddTask(string phase, string taskName, Func<Task> task)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentNullException.ThrowIfNull(task);
        if (!Phases.Contains(phase))
        {
            throw new ArgumentException($"Unknown shutdown phase [{phase}]; phases are {string.Join(", ", Phases)}.", nameof(phase));
        }

        lock (_lock)
        {
            if (_run is not null)
            {
                throw new InvalidOperationException($"Cannot add task [{taskName}]: the shutdown is already running.");
            }

            if (!_tasks.TryGetValue(phase, out var tasks))
            {
                _tasks[phase] = tasks = [];
            }

            tasks.Add((taskName, task));
        }
    }

    /// <summary>Starts the shutdown, or returns the one already running.</summary>
    public Task Run(Reason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        lock (_lock)
        {
            if (_run is null)
            {
                ShutdownReason = reason;
                _run = Task.Run(RunPhasesAsync);
            }

            return _run;
        }
    }

    private async Task RunPhasesAsync()
    {
        _system.Log.Info("Coordinated shutdown of {System} ({Reason})", _system.Name, ShutdownReason!.Name);
        foreach (var phase in Phases)
        {
            if (!_tasks.TryGetValue(phase, out var tasks))
            {
                continue;
            }

            var timeout = _system.Settings.ShutdownPhaseTimeout(phase);
            var pending = tasks.Select(t => (t.Name, Task: RunTaskAsync(phase, t.Name, t.Run))).ToList();
            var all = Task.WhenAll(pending.Select(p => p.Task));
            if (await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false) != all)
            {
                var late = string.Join(", ", pending.Where(p => !p.Task.IsCompleted).Select(p => p.Name));
                _system.Log.Warning("Shutdown phase {Phase} timed out after {Timeout}; going on without {Tasks}", phase, timeout, late);
            }
        }
    }

    private async Task RunTaskAsync(string phase, string name, Func<Task> run)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _system.Log.Warning(e, "Shutdown task {Task} of phase {Phase} failed; going on", name, phase);
        }
    }

    /// <summary>Why a shutdown runs.</summary>
    public sealed record Reason(string Name);
}
