namespace UsbMesh.Actors;

/// <summary>
/// Receive timeout. Every message that influences the timeout starts a new generation; a tick of an older generation
/// arrives late and is dropped, so a <see cref="ReceiveTimeout"/> is only delivered after real inactivity.
/// </summary>
internal sealed partial class ActorCell
{
    private TimeSpan? _receiveTimeout;
    private ICancelable? _receiveTimeoutTask;
    private int _receiveTimeoutGeneration;

    public TimeSpan? ReceiveTimeout => _receiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        _receiveTimeout = timeout is { } t && t > TimeSpan.Zero && t != Timeout.InfiniteTimeSpan ? t : null;
        RescheduleReceiveTimeout();
    }

    private void RescheduleReceiveTimeout()
    {
        CancelReceiveTimeout();
        if (_receiveTimeout is { } timeout && !IsTerminating)
        {
            _receiveTimeoutTask = _system.Scheduler.ScheduleTellOnceCancelable(
                timeout, SelfRef, new ReceiveTimeoutTick(_receiveTimeoutGeneration), null);
        }
    }

    private void CancelReceiveTimeout()
    {
        _receiveTimeoutGeneration++;
        _receiveTimeoutTask?.Cancel();
        _receiveTimeoutTask = null;
    }

    private void OnReceiveTimeoutTick(ReceiveTimeoutTick tick)
    {
        if (tick.Generation == _receiveTimeoutGeneration && _receiveTimeout is not null)
        {
            RescheduleReceiveTimeout();
            ReceiveMessage(Actors.ReceiveTimeout.Instance);
        }
    }
}

/// <summary>The scheduled wake-up behind <see cref="ReceiveTimeout"/>; stale generations are ignored.</summary>
internal sealed record ReceiveTimeoutTick(int Generation) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;
