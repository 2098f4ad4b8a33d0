using System.Collections.Concurrent;

namespace UsbMesh.Actors;

/// <summary>
/// Finding a local actor from its path, for messages that arrive from another node naming their recipient by path.
/// Temporary actors (an ask's sender) live outside the tree, so the ones handed to other nodes are registered here
/// until they complete.
/// </summary>
internal sealed partial class ActorSystemImpl
{
    private readonly ConcurrentDictionary<string, InternalActorRef> _exposedTempActors = new(StringComparer.Ordinal);

    /// <summary>
    /// The live actor at <paramref name="elements"/> below the root (<c>["user", "a"]</c>), or null. A non-zero
    /// <paramref name="uid"/> must match, so a message for an earlier incarnation does not reach its successor.
    /// </summary>
    internal InternalActorRef? ResolveLocal(IReadOnlyList<string> elements, int uid)
    {
        if (elements.Count == 0)
        {
            return null;
        }

        InternalActorRef? found = elements[0] switch
        {
            "user" => Walk(_userGuardian, elements),
            "system" => Walk(_systemGuardian, elements),
            "deadLetters" when elements.Count == 1 => DeadLettersRef,
            "temp" when elements.Count == 2 => _exposedTempActors.GetValueOrDefault(elements[1]),
            _ => null,
        };
        return found is null || found.IsTerminated || (uid != 0 && found.Path.Uid != uid) ? null : found;
    }

    /// <summary>Makes a temporary actor reachable by path until it completes.</summary>
    internal void ExposeTempActor(InternalActorRef temp)
    {
        if (temp.Completion is not { } completion || temp.Path.Parent?.Name != "temp")
        {
            return;
        }

        if (_exposedTempActors.TryAdd(temp.Path.Name, temp))
        {
            completion.ContinueWith((_, name) => _exposedTempActors.TryRemove((string)name!, out InternalActorRef? _), temp.Path.Name,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static InternalActorRef? Walk(LocalActorRef guardian, IReadOnlyList<string> elements)
    {
        InternalActorRef current = guardian;
        for (var i = 1; i < elements.Count; i++)
        {
            if (current is not LocalActorRef local || local.Cell.Child(elements[i]) is not InternalActorRef child || child is Nobody)
            {
                return null;
            }

            current = child;
        }

        return current;
    }
}
