using System.Runtime.ExceptionServices;
using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>
/// Async handlers. While a handler's task runs, user messages wait in the mailbox; each continuation after an
/// <c>await</c> comes back through the system queue and runs inside the actor with the original sender, so the actor
/// is never entered by two threads and its state needs no locks.
/// </summary>
internal sealed partial class ActorCell
{
    private bool _awaitingAsync;
    private Envelope _asyncEnvelope;
    private ActorSynchronizationContext? _synchronizationContext;

    internal void RunTask(Func<Task> handler)
    {
        _asyncEnvelope = _currentEnvelope;
        var task = RunInActorContext(static h => ((Func<Task>)h!)(), handler);
        if (task.IsCompleted)
        {
            _asyncEnvelope = default;
            ThrowIfFailed(task);
            return;
        }

        _awaitingAsync = true;
        task.ContinueWith(
            static (t, cell) => ((ActorCell)cell!).SendSystemMessage(new AsyncHandlerCompleted(t)),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void RunContinuation(RunContinuation continuation)
    {
        var saved = _currentEnvelope;
        _currentEnvelope = _asyncEnvelope;
        try
        {
            RunInActorContext(
                static c =>
                {
                    var run = (RunContinuation)c!;
                    run.Callback(run.State);
                    return Task.CompletedTask;
                },
                continuation);
        }
        finally
        {
            _currentEnvelope = saved;
        }
    }

    private void AsyncHandlerCompleted(Task task)
    {
        _awaitingAsync = false;
        _currentEnvelope = _asyncEnvelope;
        _asyncEnvelope = default;
        try
        {
            ThrowIfFailed(task);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _currentEnvelope = default;
        }
    }

    private Task RunInActorContext(Func<object?, Task> body, object? state)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext ??= new ActorSynchronizationContext(this));
        try
        {
            return body(state);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private static void ThrowIfFailed(Task task)
    {
        if (task.IsFaulted)
        {
            var exception = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
            ExceptionDispatchInfo.Throw(exception);
        }

        if (task.IsCanceled)
        {
            throw new TaskCanceledException(task);
        }
    }

    /// <summary>Posts continuations back into the actor's mailbox.</summary>
    private sealed class ActorSynchronizationContext(ActorCell cell) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) =>
            cell.SendSystemMessage(new RunContinuation(d, state));

        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("Synchronous Send into an actor would deadlock; use Post.");

        public override SynchronizationContext CreateCopy() => this;
    }
}
