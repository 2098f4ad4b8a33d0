using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using UsbMesh.Actors;

namespace UsbMesh.Mesh.Remote;

/// <summary>
/// Paths read from recent frames, parsed once: a peer names the same few actors over and over, and parsing every
/// path of every message was a large part of the cost of receiving one. Bounded: when full it starts afresh.
/// </summary>
internal sealed class PathCache(int capacity = 4096)
{
    private readonly ConcurrentDictionary<string, ActorPath> _paths = new(StringComparer.Ordinal);

    public bool TryParse(string? text, [NotNullWhen(true)] out ActorPath? path)
    {
        if (text is null)
        {
            path = null;
            return false;
        }

        if (_paths.TryGetValue(text, out path))
        {
            return true;
        }

        if (!ActorPath.TryParse(text, out path) || path is null)
        {
            return false;
        }

        if (_paths.Count >= capacity)
        {
            _paths.Clear();
        }

        _paths[text] = path;
        return true;
    }
}
