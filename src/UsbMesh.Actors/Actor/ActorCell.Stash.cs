using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>
/// Unstashed messages go into a queue of the cell's own that the mailbox drains before its shared queue; only the
/// actor's thread touches it, so putting messages back "in front" needs no lock.
/// </summary>
internal sealed partial class ActorCell
{
    private readonly LinkedList<Envelope> _unstashed = new();
    private UnboundedStash? _stash;
    private long _invocationCount;

    internal bool HasUnstashed => _unstashed.Count > 0;

    internal bool TryDequeueUserMessage(out Envelope envelope)
    {
        if (_unstashed.First is { } first)
        {
            envelope = first.Value;
            _unstashed.RemoveFirst();
            _invocationCount++;
            return true;
        }

        if (Mailbox.TryDequeue(out envelope))
        {
            _invocationCount++;
            return true;
        }

        return false;
    }

    internal (Envelope Envelope, long Invocation) CurrentForStash() =>
        _currentEnvelope.Message is null
            ? throw new IllegalActorStateException("Stash() can only be called while processing a message.")
            : (_currentEnvelope, _invocationCount);

    /// <summary>Puts <paramref name="envelopes"/> in front of everything not yet processed, keeping their order.</summary>
    internal void Prepend(IReadOnlyList<Envelope> envelopes)
    {
        for (var i = envelopes.Count - 1; i >= 0; i--)
        {
            _unstashed.AddFirst(envelopes[i]);
        }
    }

    private void InjectStash(ActorBase actor)
    {
        if (actor is IWithUnboundedStash withStash)
        {
            withStash.Stash = _stash ??= new UnboundedStash(this);
        }
    }

    private void DrainStashToDeadLetters()
    {
        var leftovers = _stash?.ClearStash() ?? [];
        foreach (var envelope in leftovers.Concat(_unstashed))
        {
            _system.PublishDeadLetter(envelope.Message, envelope.Sender, SelfRef);
        }

        _unstashed.Clear();
    }
}
