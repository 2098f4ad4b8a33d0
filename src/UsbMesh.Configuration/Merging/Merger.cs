using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Merging;

/// <summary>
/// The one merge rule HOCON uses everywhere (duplicate keys, includes, object concatenation, WithFallback): objects
/// merge field by field; anything else overrides. When either side is not known until resolution, both are kept in a
/// <see cref="MergeStack"/> for the resolver.
/// </summary>
internal static class Merger
{
    /// <summary>
    /// Merges <paramref name="top"/> over <paramref name="fallback"/>. With <paramref name="mutate"/> the fallback's
    /// objects are updated in place, which only the parser may ask for, on objects it has just built: repeated
    /// <c>a.b.x = …</c> lines then cost one insertion each rather than a copy of <c>a</c>.
    /// </summary>
    public static HoconValue Merge(HoconValue top, HoconValue fallback, bool mutate)
    {
        if (top.HidesFallback)
        {
            return top;
        }

        return top is HoconObject topObject && fallback is HoconObject fallbackObject
            ? MergeObjects(topObject, fallbackObject, mutate)
            : Stack([.. MergeStack.LevelsOf(top), .. MergeStack.LevelsOf(fallback)], mutate);
    }

    public static HoconObject MergeObjects(HoconObject top, HoconObject fallback, bool mutate)
    {
        var target = mutate ? fallback : fallback.Copy();
        foreach (var (key, value) in top.Fields)
        {
            target.Set(key, target.TryGet(key, out var existing) ? Merge(value, existing, mutate) : value);
        }

        return target;
    }

    /// <summary>
    /// Normalises definitions (highest priority first) into a single value or a stack: adjacent objects merge, and
    /// the first scalar or list ends it, since nothing below can ever be seen. A scalar under an object stays as the
    /// last level: it contributes nothing, but stops a later fallback's object from merging in (merging is pairwise:
    /// <c>{a:{x:1}}</c> over <c>{a:42}</c> over <c>{a:{y:2}}</c> is <c>{a:{x:1}}</c>).
    /// </summary>
    private static HoconValue Stack(List<HoconValue> levels, bool mutate)
    {
        var result = new List<HoconValue>(levels.Count);
        foreach (var level in levels)
        {
            if (result.Count > 0 && result[^1] is HoconObject above && level is HoconObject below)
            {
                result[^1] = MergeObjects(above, below, mutate);
                continue;
            }

            result.Add(level);
            if (level.HidesFallback)
            {
                break;
            }
        }

        return result.Count == 1 ? result[0] : new MergeStack(result);
    }
}
