using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Actors;

/// <summary>
/// Supervision. A failing actor suspends itself and its children and reports <see cref="Failed"/> to its parent; the
/// parent's strategy answers with resume, restart or stop, or escalates by failing itself. A restart stops the
/// children the old instance's <c>PreRestart</c> stopped, waits for them to die, then builds a new instance.
/// </summary>
internal sealed partial class ActorCell
{
    private bool _isFailed;
    private object? _failedMessage;
    private Exception? _pendingRecreateCause;
    private IActorRef? _perpetrator;
    private SupervisorStrategy? _supervisorStrategy;

    private void HandleInvokeFailure(Exception cause)
    {
        if (IsTerminating)
        {
            // Nobody can decide anything for an actor that is already stopping; the failure is only reported.
            PublishError(cause, "Failure while stopping");
            return;
        }

        if (_isFailed)
        {
            return;
        }

        _isFailed = true;
        _failedMessage = _currentEnvelope.Message;
        _suspendCount++;
        SuspendChildren();
        SelfRef.Parent.SendSystemMessage(new Failed(SelfRef, cause, SelfRef.Path.Uid));
    }

    private void HandleFailed(Failed failed)
    {
        if (IsTerminating)
        {
            return;
        }

        var stats = FindChild(failed.Child);
        if (stats is null || stats.IsStopping)
        {
            return;
        }

        var strategy = _supervisorStrategy ??= Props.SupervisorStrategy ?? _actor?.SupervisorStrategyInternal ?? SupervisorStrategy.DefaultStrategy;
        if (!strategy.HandleFailure(this, stats, failed.Cause, ChildrenSnapshot()))
        {
            // Escalate: this actor fails with the child's cause and its own supervisor decides.
            _perpetrator = failed.Child;
            HandleInvokeFailure(failed.Cause);
        }
    }

    private void SuspendChildren()
    {
        foreach (var stats in ChildrenSnapshot())
        {
            stats.ChildRef.Suspend();
        }
    }

    private void FaultSuspend()
    {
        _suspendCount++;
        SuspendChildren();
    }

    private void FaultResume(Exception? causedByFailure)
    {
        if (_actor is null && causedByFailure is not null)
        {
            // Creation failed and the supervisor chose to resume: there is nothing to resume, so create again.
            FaultRecreate(causedByFailure);
            return;
        }

        _suspendCount = Math.Max(0, _suspendCount - 1);
        if (causedByFailure is not null)
        {
            _isFailed = false;
        }

        foreach (var stats in ChildrenSnapshot())
        {
            stats.ChildRef.Resume(null);
        }

        // A child whose failure this actor escalated is still suspended for its own failure: resume that too.
        if (causedByFailure is not null && _perpetrator is InternalActorRef perpetrator)
        {
            perpetrator.Resume(causedByFailure);
        }

        _perpetrator = null;
    }

    private void FaultRecreate(Exception cause)
    {
        if (IsTerminating)
        {
            return;
        }

        var failed = _actor;
        if (failed is not null)
        {
            _stash?.UnstashAll();
            try
            {
                failed.AroundPreRestart(cause, _failedMessage);
            }
            catch (Exception e)
            {
                PublishError(e, "PreRestart failed; restarting anyway");
            }
        }
        else
        {
            StopAllChildren();
        }

        CancelTimers();
        _awaitingAsync = false;
        _actor = null;
        _behavior = null;
        _pendingRecreateCause = cause;
        if (!AnyChildStopping())
        {
            FinishRecreate(cause);
        }
    }

    private void FinishRecreate(Exception cause)
    {
        _pendingRecreateCause = null;
        _isFailed = false;
        _failedMessage = null;
        _perpetrator = null;
        _supervisorStrategy = null;
        _suspendCount = Math.Max(0, _suspendCount - 1);
        var survivors = ChildrenSnapshot();
        try
        {
            _actor = NewActorInstance();
            _actor.AroundPostRestart(cause);
            foreach (var survivor in survivors)
            {
                survivor.ChildRef.Restart(cause);
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(new PostRestartException(SelfRef, e, cause));
        }
    }

    /// <summary>Publishes a failure the way operators expect to read it: an error with the child's path.</summary>
    internal void LogFailure(IActorRef child, Exception cause, Directive directive)
    {
        var source = child.Path.ToString();
        object evt = directive == Directive.Resume
            ? new Warning(cause, source, Props.Type, "Resuming after failure: {Cause}", [cause.Message])
            : new Error(cause, source, Props.Type, "{Directive} after failure: {Cause}", [directive, cause.Message]);
        _system.EventStream.Publish(evt);
    }
}
