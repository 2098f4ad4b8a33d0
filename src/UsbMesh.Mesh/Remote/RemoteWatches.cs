using UsbMesh.Actors;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Remote;

/// <summary>
/// Which local actors watch which actors of other nodes, so that a node's death can be told to every watcher of its
/// actors, and a termination frame can be matched to the very ref the watcher holds.
/// </summary>
internal sealed class RemoteWatches
{
    private readonly Dictionary<NodeId, HashSet<(InternalActorRef Watchee, InternalActorRef Watcher)>> _byNode = [];

    public void Add(RemoteActorRef watchee, InternalActorRef watcher)
    {
        lock (_byNode)
        {
            if (!_byNode.TryGetValue(watchee.Node, out var watches))
            {
                _byNode[watchee.Node] = watches = [];
            }

            watches.Add((watchee, watcher));
        }
    }

    public void Remove(RemoteActorRef watchee, InternalActorRef watcher)
    {
        lock (_byNode)
        {
            if (_byNode.TryGetValue(watchee.Node, out var watches))
            {
                watches.Remove((watchee, watcher));
            }
        }
    }

    /// <summary>Ends the watch of <paramref name="watcher"/> on the actor at <paramref name="path"/> (any uid the
    /// watcher knew it by) and returns the ref it watched, or null when it watched nothing there.</summary>
    public InternalActorRef? Take(NodeId node, ActorPath path, InternalActorRef watcher)
    {
        lock (_byNode)
        {
            if (!_byNode.TryGetValue(node, out var watches))
            {
                return null;
            }

            foreach (var watch in watches)
            {
                if (watch.Watcher.Equals(watcher) && watch.Watchee.Path.Equals(path) && (watch.Watchee.Path.Uid == 0 || watch.Watchee.Path.Uid == path.Uid))
                {
                    watches.Remove(watch);
                    return watch.Watchee;
                }
            }

            return null;
        }
    }

    /// <summary>Every watch of an actor of <paramref name="node"/>, forgotten.</summary>
    public IReadOnlyList<(InternalActorRef Watchee, InternalActorRef Watcher)> TakeAll(NodeId node)
    {
        lock (_byNode)
        {
            return _byNode.Remove(node, out var watches) ? [.. watches] : [];
        }
    }
}
