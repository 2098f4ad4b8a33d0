using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>Set aside messages the actor cannot handle yet and bring them back later, in their original order.</summary>
public interface IStash
{
    /// <summary>Number of stashed messages.</summary>
    int Count { get; }

    /// <summary>Stashes the message being processed; stashing the same message twice throws.</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message in front of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts all stashed messages in front of the mailbox, oldest first.</summary>
    void UnstashAll();

    /// <summary>Puts the stashed messages that match in front of the mailbox and keeps the others.</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Empties the stash and returns what it held.</summary>
    IReadOnlyList<Envelope> ClearStash();
}

/// <summary>An actor with an unbounded stash; the kernel sets <see cref="Stash"/> before the constructor body runs.
/// On restart the stash is unstashed so no message is lost; on stop it goes to dead letters.</summary>
public interface IWithUnboundedStash
{
    IStash Stash { get; set; }
}

internal sealed class UnboundedStash(ActorCell cell) : IStash
{
    private readonly LinkedList<Envelope> _stashed = new();
    private long _lastStashedInvocation = -1;

    public int Count => _stashed.Count;

    public void Stash()
    {
        var (envelope, invocation) = cell.CurrentForStash();
        if (invocation == _lastStashedInvocation)
        {
            throw new IllegalActorStateException($"The message {envelope.Message} is already stashed.");
        }

        _lastStashedInvocation = invocation;
        _stashed.AddLast(envelope);
    }

    public void Unstash()
    {
        if (_stashed.First is { } first)
        {
            _stashed.RemoveFirst();
            cell.Prepend([first.Value]);
        }
    }

    public void UnstashAll() => UnstashAll(static _ => true);

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        var selected = new List<Envelope>();
        for (var node = _stashed.First; node is not null;)
        {
            var next = node.Next;
            if (predicate(node.Value))
            {
                selected.Add(node.Value);
                _stashed.Remove(node);
            }

            node = next;
        }

        cell.Prepend(selected);
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _stashed.ToArray();
        _stashed.Clear();
        return all;
    }
}
