using UsbMesh.Actors;

namespace UsbMesh.Mesh.Diagnostics;

/// <summary>The live actors of a system, as a tree, for operators (the shell's <c>actor hierarchy</c>).</summary>
public static class ActorTree
{
    /// <summary>One actor: how deep it sits below the root guardians (/user and /system are 0) and its path.</summary>
    public sealed record Node(int Depth, string Name, string Path);

    /// <summary>
    /// The actors under <c>/user</c> (and <c>/system</c> when <paramref name="includeSystem"/>), depth first,
    /// children in name order, down to <paramref name="maxDepth"/> below the guardians.
    /// </summary>
    public static IReadOnlyList<Node> Walk(ActorSystem system, int maxDepth, bool includeSystem = false)
    {
        ArgumentNullException.ThrowIfNull(system);
        var nodes = new List<Node>();
        if (system is not ActorSystemImpl impl)
        {
            return nodes;
        }

        foreach (var guardian in includeSystem ? new[] { "user", "system" } : ["user"])
        {
            if (impl.ResolveLocal([guardian], 0) is LocalActorRef root)
            {
                Add(root, 0, maxDepth, nodes);
            }
        }

        return nodes;
    }

    private static void Add(LocalActorRef actor, int depth, int maxDepth, List<Node> nodes)
    {
        nodes.Add(new Node(depth, actor.Path.Name, actor.Path.ToString()));
        if (depth >= maxDepth)
        {
            return;
        }

        foreach (var child in actor.Cell.GetChildren().OfType<LocalActorRef>().OrderBy(c => c.Path.Name, StringComparer.Ordinal))
        {
            Add(child, depth + 1, maxDepth, nodes);
        }
    }
}
