namespace UsbMesh.Actors;

internal sealed partial class ActorCell
{
    private TimerScheduler? _timers;

    /// <summary>Each incarnation gets fresh timers, so a restarted actor never sees its predecessor's ticks.</summary>
    private void InjectTimers(ActorBase actor)
    {
        if (actor is IWithTimers withTimers)
        {
            withTimers.Timers = _timers = new TimerScheduler(this);
        }
    }

    private void CancelTimers()
    {
        _timers?.CancelAll();
        _timers = null;
    }
}
