using System.Runtime.CompilerServices;
using UsbMesh.Configuration.Merging;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Resolution;

/// <summary>
/// Replaces every substitution, concatenation and merge stack of a tree with its value, looking paths up from the
/// root. Substitutions normally look forward, at the final value of their path. A lookup that reaches a definition
/// currently being resolved looks back instead, at the definitions it overrides (the spec's self-reference rule:
/// <c>a = ${a} [2]</c> sees the earlier <c>a</c>); with nothing below, the path is undefined and a required
/// substitution reports the cycle. Re-entering a value outside a lookup (<c>a = { b = ${a} }</c>) is a cycle error.
/// Results are memoised per substitution instance, so every use of one sees the same value.
/// </summary>
internal sealed class Resolver
{
    private const int MaxDepth = 1000;

    private readonly HoconObject _root;
    private readonly Dictionary<HoconValue, HoconValue?> _resolvedNodes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<HoconObject, HoconObject> _resolvedObjects = new(ReferenceEqualityComparer.Instance);
    private readonly List<HoconValue> _inProgress = [];
    private readonly HashSet<HoconValue> _inProgressSet = new(ReferenceEqualityComparer.Instance);

    // Counts look-backs so results that depended on one are not memoised as the plain value of an object, and
    // remembers the last definition looked back past, to name the cycle when that left a path undefined.
    private int _lookBacks;
    private HoconValue? _lookedBackPast;

    private Resolver(HoconObject root) => _root = root;

    public static HoconObject Resolve(HoconObject root) => new Resolver(root).ResolveObject(root);

    private HoconValue? ResolveValue(HoconValue value) => value switch
    {
        HoconScalar => value,
        HoconObject obj => ResolveObject(obj),
        HoconArray array => ResolveArray(array),
        MergeStack stack => ResolveLevels(stack.Levels, lookBack: false),
        _ => ResolveNode(value),
    };

    private HoconObject ResolveObject(HoconObject obj)
    {
        if (_resolvedObjects.TryGetValue(obj, out var known))
        {
            return known;
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
        var lookBacks = _lookBacks;
        var fields = new List<KeyValuePair<string, HoconValue>>(obj.Count);
        var changed = false;
        foreach (var (key, value) in obj.Fields)
        {
            var resolved = ResolveValue(value);
            changed |= !ReferenceEquals(resolved, value);
            if (resolved is not null)
            {
                fields.Add(new(key, resolved));
            }
        }

        var result = obj;
        if (changed)
        {
            result = new HoconObject(obj.Origin);
            foreach (var (key, value) in fields)
            {
                result.Set(key, value);
            }
        }

        if (_lookBacks == lookBacks)
        {
            _resolvedObjects[obj] = result;
            _resolvedObjects[result] = result;
        }

        return result;
    }

    private HoconArray ResolveArray(HoconArray array)
    {
        var elements = new List<HoconValue>(array.Elements.Count);
        var changed = false;
        foreach (var element in array.Elements)
        {
            var resolved = ResolveValue(element);
            changed |= !ReferenceEquals(resolved, element);
            if (resolved is not null)
            {
                elements.Add(resolved);
            }
        }

        return changed ? new HoconArray(elements, array.Origin) : array;
    }

    /// <summary>A substitution or concatenation, memoised; null when it is undefined.</summary>
    private HoconValue? ResolveNode(HoconValue node)
    {
        if (_resolvedNodes.TryGetValue(node, out var known))
        {
            return known;
        }

        if (_inProgressSet.Contains(node))
        {
            throw ConfigErrors.At(node.Origin, $"substitution cycle: {DescribeCycle(node)}");
        }

        if (_inProgress.Count >= MaxDepth)
        {
            throw ConfigErrors.At(node.Origin, $"substitutions refer to substitutions more than {MaxDepth} deep");
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
        _inProgress.Add(node);
        _inProgressSet.Add(node);
        HoconValue? result;
        try
        {
            result = node is Substitution substitution ? ResolveSubstitution(substitution) : ResolveConcatenation((Concatenation)node);
        }
        finally
        {
            _inProgress.RemoveAt(_inProgress.Count - 1);
            _inProgressSet.Remove(node);
        }

        _resolvedNodes[node] = result;
        return result;
    }

    private HoconValue? ResolveSubstitution(Substitution substitution)
    {
        var lookBacks = _lookBacks;

        // From an included file: first relative to the include point, then from the root.
        if (substitution.Prefix.Count > 0 && Lookup([.. substitution.Prefix, .. substitution.Path]) is { } fixedUp)
        {
            return fixedUp;
        }

        if (Lookup(substitution.Path) is { } found)
        {
            return found;
        }

        var name = string.Join('.', substitution.Path);
        if (Environment.GetEnvironmentVariable(name) is { } variable)
        {
            // Where the value entered the configuration: errors and GetOrigin point at the ${…} that read it.
            return HoconScalar.String(variable, substitution.Origin);
        }

        if (substitution.Optional)
        {
            return null;
        }

        var path = HoconPath.Render(substitution.Path);
        var reason = _lookBacks > lookBacks && _lookedBackPast is { } past
            ? IsDirectSelfReference(past, substitution)
                ? "it refers to the field being defined, which has no earlier value to build on"
                : $"substitution cycle: {DescribeCycle(past)}"
            : $"no value at path '{path}' and no environment variable '{name}' (write ${{?{path}}} if it is optional)";
        throw ConfigErrors.At(substitution.Origin, $"could not resolve {substitution}: {reason}", path: path);
    }

    // foo = ${foo} or foo = ${foo} bar, as opposed to a longer chain through other fields.
    private bool IsDirectSelfReference(HoconValue lookedBackPast, Substitution substitution) =>
        ReferenceEquals(lookedBackPast, substitution)
        || (lookedBackPast is Concatenation concatenation
            && _inProgress.IndexOf(lookedBackPast) == _inProgress.Count - 2
            && concatenation.Pieces.Contains(substitution));

    private HoconValue? ResolveConcatenation(Concatenation concatenation)
    {
        var pieces = new List<HoconValue>(concatenation.Pieces.Count);
        foreach (var piece in concatenation.Pieces)
        {
            if (ResolveValue(piece) is { } resolved)
            {
                pieces.Add(resolved);
            }
        }

        return Concatenator.Join(pieces, concatenation.Origin);
    }

    /// <summary>
    /// The value at <paramref name="path"/>, or null when undefined. Walks the definitions of each path element
    /// without resolving the objects on the way, so an object may refer to its own fields.
    /// </summary>
    private HoconValue? Lookup(IReadOnlyList<string> path)
    {
        IReadOnlyList<HoconValue> levels = [_root];
        foreach (var key in path)
        {
            var children = new List<HoconValue>();
            foreach (var level in EffectiveLevels(levels, lookBack: true))
            {
                if (level is not HoconObject obj)
                {
                    break;
                }

                if (obj.TryGet(key, out var child))
                {
                    children.AddRange(MergeStack.LevelsOf(child));
                }
            }

            if (children.Count == 0)
            {
                return null;
            }

            levels = children;
        }

        return ResolveLevels(levels, lookBack: true);
    }

    /// <summary>
    /// The value of a field's definitions, highest priority first: the first non-object wins unless objects come
    /// before it, in which case those objects merge and it is hidden. Null when every definition is undefined.
    /// </summary>
    private HoconValue? ResolveLevels(IReadOnlyList<HoconValue> levels, bool lookBack)
    {
        List<HoconObject>? objects = null;
        foreach (var level in EffectiveLevels(levels, lookBack))
        {
            if (level is HoconObject obj)
            {
                (objects ??= []).Add(obj);
                continue;
            }

            if (objects is null)
            {
                return ResolveValue(level);
            }

            break;
        }

        if (objects is null)
        {
            return null;
        }

        var merged = objects[0];
        for (var i = 1; i < objects.Count; i++)
        {
            merged = Merger.MergeObjects(merged, objects[i], mutate: false);
        }

        return ResolveObject(merged);
    }

    /// <summary>
    /// Definitions with substitutions and concatenations resolved and undefined ones skipped. When looking back,
    /// a definition being resolved right now, and everything that overrides it, is left out.
    /// </summary>
    private IEnumerable<HoconValue> EffectiveLevels(IReadOnlyList<HoconValue> levels, bool lookBack)
    {
        var start = 0;
        if (lookBack)
        {
            for (var i = 0; i < levels.Count; i++)
            {
                if (_inProgressSet.Contains(levels[i]))
                {
                    start = i + 1;
                    _lookBacks++;
                    _lookedBackPast = levels[i];
                }
            }
        }

        for (var i = start; i < levels.Count; i++)
        {
            var level = levels[i];
            if (level.IsUnresolvedLevel)
            {
                if (ResolveNode(level) is not { } resolved)
                {
                    continue;
                }

                level = resolved;
            }

            yield return level;
        }
    }

    private string DescribeCycle(HoconValue start)
    {
        var index = _inProgress.IndexOf(start);
        if (index == _inProgress.Count - 1)
        {
            return $"{Describe(start)} refers to a value that contains it";
        }

        var chain = _inProgress.Skip(Math.Max(index, 0)).Select(Describe).Append(Describe(start));
        return string.Join(" -> ", chain);
    }

    private static string Describe(HoconValue node) => node switch
    {
        Substitution substitution => $"{substitution} ({substitution.Origin})",
        Concatenation concatenation => string.Join(" ", concatenation.Pieces.OfType<Substitution>()) + $" ({concatenation.Origin})",
        _ => node.Origin.ToString(),
    };
}
