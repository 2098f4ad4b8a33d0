namespace UsbMesh.Actors;

/// <summary>How a supervisor treats a failed child: a decider maps the exception to a <see cref="Directive"/>, and the
/// strategy applies it to that child (<see cref="OneForOneStrategy"/>) or to all children (<see cref="AllForOneStrategy"/>).</summary>
public abstract class SupervisorStrategy
{
    /// <summary>Restart on any exception, without limit, except for the failures that restarting cannot cure.</summary>
    public static readonly SupervisorStrategy DefaultStrategy = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stops every failing child.</summary>
    public static readonly SupervisorStrategy StoppingStrategy = new OneForOneStrategy(_ => Directive.Stop);

    protected SupervisorStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        Decider = decider;
    }

    /// <summary>Restarts allowed within <see cref="WithinTimeRange"/> before the child is stopped; negative means no limit.</summary>
    public int MaxNumberOfRetries { get; }

    /// <summary>The window restarts are counted in; <see cref="Timeout.InfiniteTimeSpan"/> counts for ever.</summary>
    public TimeSpan WithinTimeRange { get; }

    public Func<Exception, Directive> Decider { get; }

    /// <summary>When false, failures handled by this strategy are not published as log events.</summary>
    public bool LoggingEnabled { get; init; } = true;

    /// <summary>
    /// Stop when the actor cannot be (re)built, was killed, or ignored the death of an actor it watched; restart on
    /// anything else.
    /// </summary>
    public static Directive DefaultDecider(Exception exception) => exception switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>Applies the decider; returns false to escalate.</summary>
    internal bool HandleFailure(ActorCell supervisor, ChildRestartStats failed, Exception cause, IReadOnlyList<ChildRestartStats> children)
    {
        var directive = Decider(cause);
        if (directive == Directive.Escalate)
        {
            return false;
        }

        if (LoggingEnabled)
        {
            supervisor.LogFailure(failed.Child, cause, directive);
        }

        switch (directive)
        {
            case Directive.Resume:
                failed.ChildRef.Resume(cause);
                break;
            case Directive.Restart:
                ProcessFailure(supervisor, restart: true, failed, cause, children);
                break;
            default:
                ProcessFailure(supervisor, restart: false, failed, cause, children);
                break;
        }

        return true;
    }

    /// <summary>Restarts or stops the children this strategy covers.</summary>
    private protected abstract void ProcessFailure(
        ActorCell supervisor, bool restart, ChildRestartStats failed, Exception cause, IReadOnlyList<ChildRestartStats> children);

    private protected void RestartOrStop(ActorCell supervisor, ChildRestartStats child, bool restart, Exception cause, bool suspendFirst)
    {
        if (!restart)
        {
            supervisor.Stop(child.Child);
            return;
        }

        if (suspendFirst)
        {
            child.ChildRef.Suspend();
        }

        child.ChildRef.Restart(cause);
    }
}

/// <summary>Applies the directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider)
    {
    }

    public OneForOneStrategy(Func<Exception, Directive> decider) : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    private protected override void ProcessFailure(
        ActorCell supervisor, bool restart, ChildRestartStats failed, Exception cause, IReadOnlyList<ChildRestartStats> children)
    {
        var allowed = restart && failed.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange);
        RestartOrStop(supervisor, failed, allowed, cause, suspendFirst: false);
    }
}

/// <summary>Applies the directive to every child: siblings that depend on each other fail and recover together.</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider)
    {
    }

    public AllForOneStrategy(Func<Exception, Directive> decider) : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    private protected override void ProcessFailure(
        ActorCell supervisor, bool restart, ChildRestartStats failed, Exception cause, IReadOnlyList<ChildRestartStats> children)
    {
        var allowed = restart && children.All(c => c.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange));
        foreach (var child in children.Where(c => !c.IsStopping))
        {
            RestartOrStop(supervisor, child, allowed, cause, suspendFirst: !child.Child.Equals(failed.Child));
        }
    }
}
