namespace UsbMesh.Actors;

/// <summary>
/// The children registry. Any thread may create a top-level actor through the system, so the registry is guarded by a
/// lock; it is never touched on the message hot path.
/// </summary>
internal sealed partial class ActorCell
{
    private const string GeneratedNameSymbols = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";

    private readonly object _childrenLock = new();
    private readonly Dictionary<string, ChildRestartStats> _children = new(StringComparer.Ordinal);
    private long _nextGeneratedName;

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = GenerateName();
        }
        else
        {
            ActorPath.ValidateName(name);
        }

        var child = _system.NewLocalActor(props, SelfRef, name);
        lock (_childrenLock)
        {
            if (IsTerminating)
            {
                throw new InvalidOperationException($"{SelfRef} is stopping and cannot create the child [{name}].");
            }

            if (!_children.TryAdd(name, new ChildRestartStats(child)))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique among the children of {SelfRef.Path}.");
            }
        }

        // Registered before it starts, so that even a child that fails at once is known to its supervisor.
        child.Cell.Start();
        return child;
    }

    public IActorRef Child(string name)
    {
        lock (_childrenLock)
        {
            return _children.TryGetValue(name, out var stats) ? stats.Child : ActorRefs.Nobody;
        }
    }

    public IEnumerable<IActorRef> GetChildren()
    {
        lock (_childrenLock)
        {
            return _children.Values.Select(c => c.Child).ToArray();
        }
    }

    public void Stop(IActorRef actor)
    {
        if (actor is not InternalActorRef target)
        {
            return;
        }

        lock (_childrenLock)
        {
            if (_children.TryGetValue(target.Path.Name, out var stats) && stats.Child.Equals(target))
            {
                stats.IsStopping = true;
            }
        }

        target.Stop();
    }

    private ChildRestartStats? FindChild(IActorRef child)
    {
        lock (_childrenLock)
        {
            return _children.TryGetValue(child.Path.Name, out var stats) && stats.Child.Equals(child) ? stats : null;
        }
    }

    private ChildRestartStats[] ChildrenSnapshot()
    {
        lock (_childrenLock)
        {
            return [.. _children.Values];
        }
    }

    /// <summary>Sends stop to every child not already stopping; returns how many children are still alive.</summary>
    private int StopAllChildren()
    {
        var children = ChildrenSnapshot();
        foreach (var stats in children)
        {
            Stop(stats.Child);
        }

        return children.Length;
    }

    private bool AnyChildStopping()
    {
        lock (_childrenLock)
        {
            return _children.Values.Any(c => c.IsStopping);
        }
    }

    /// <summary>Forgets a dead child and finishes a stop or restart that was waiting for it.</summary>
    private void HandleChildTerminated(IActorRef child)
    {
        int remaining;
        lock (_childrenLock)
        {
            if (!_children.TryGetValue(child.Path.Name, out var stats) || !stats.Child.Equals(child))
            {
                return;
            }

            _children.Remove(child.Path.Name);
            remaining = _children.Count;
        }

        if (_state == Terminating && remaining == 0)
        {
            FinishTerminate();
        }
        else if (_pendingRecreateCause is { } cause && !AnyChildStopping())
        {
            FinishRecreate(cause);
        }
    }

    private string GenerateName()
    {
        var n = Interlocked.Increment(ref _nextGeneratedName) - 1;
        var chars = new System.Text.StringBuilder("$");
        do
        {
            chars.Append(GeneratedNameSymbols[(int)(n % GeneratedNameSymbols.Length)]);
            n /= GeneratedNameSymbols.Length;
        }
        while (n > 0);
        return chars.ToString();
    }
}
