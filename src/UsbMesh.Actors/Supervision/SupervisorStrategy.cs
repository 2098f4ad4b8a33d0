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

    /// <summary>Applies the decider; returns false to escalate. A restart beyond the retry limit becomes a stop.</summary>
    internal bool HandleFailure(ActorCell supervisor, ChildRestartStats failed, Exception cause, IReadOnlyList<ChildRestartStats> children)
    {
        var directive = Decider(cause);
        if (directive == Directive.Escalate)
        {
            return false;
        }

        if (directive == Directive.Restart && !RequestRestartPermission(failed, children))
        {
            directive = Directive.Stop;
        }

        if (LoggingEnabled)
        {
            supervisor.LogFailure(failed.Child, cause, directive);
        }

        if (directive == Directive.Resume)
        {
            failed.ChildRef.Resume(cause);
        }
        else
        {
            foreach (var child in AffectedChildren(failed, children))
            {
                if (directive == Directive.Stop)
                {
                    supervisor.Stop(child.Child);
                    continue;
                }

                // Siblings restarted with the failed child are running: suspend them first, as the failed one is.
                if (!child.Child.Equals(failed.Child))
                {
                    child.ChildRef.Suspend();
                }

                child.ChildRef.Restart(cause);
            }
        }

        return true;
    }

    /// <summary>Counts the restart against the limit for every affected child; false when the limit is reached.</summary>
    private protected abstract bool RequestRestartPermission(ChildRestartStats failed, IReadOnlyList<ChildRestartStats> children);

    /// <summary>The children a restart or stop applies to.</summary>
    private protected abstract IEnumerable<ChildRestartStats> AffectedChildren(ChildRestartStats failed, IReadOnlyList<ChildRestartStats> children);
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

    private protected override bool RequestRestartPermission(ChildRestartStats failed, IReadOnlyList<ChildRestartStats> children) =>
        failed.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange);

    private protected override IEnumerable<ChildRestartStats> AffectedChildren(ChildRestartStats failed, IReadOnlyList<ChildRestartStats> children) =>
        [failed];
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

    private protected override bool RequestRestartPermission(ChildRestartStats failed, IReadOnlyList<ChildRestartStats> children) =>
        children.Where(c => !c.IsStopping).Aggregate(true, (allowed, c) => c.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange) && allowed);

    private protected override IEnumerable<ChildRestartStats> AffectedChildren(ChildRestartStats failed, IReadOnlyList<ChildRestartStats> children) =>
        children.Where(c => !c.IsStopping);
}
