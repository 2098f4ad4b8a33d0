using System.Text.Json.Nodes;
using UsbMesh.Configuration.Merging;
using UsbMesh.Configuration.Model;
using UsbMesh.Configuration.Parsing;
using UsbMesh.Configuration.Rendering;
using UsbMesh.Configuration.Resolution;

namespace UsbMesh.Configuration;

/// <summary>
/// An immutable HOCON configuration. Substitutions are resolved on first read (or by <see cref="Resolve"/>), after
/// fallbacks are merged in, so a file may refer to values its fallback defines and a fallback's substitutions see
/// the overrides (as in the reference implementation). A configuration is safe to share between threads.
/// </summary>
public sealed partial class Config
{
    private readonly HoconObject _root;
    private readonly Lazy<HoconObject> _resolved;

    private Config(HoconObject root, bool isResolved)
    {
        _root = root;
        _resolved = isResolved
            ? new Lazy<HoconObject>(root)
            : new Lazy<HoconObject>(() => Guard.Run(root.Origin, () => Resolver.Resolve(root)));
    }

    /// <summary>A configuration without any path.</summary>
    public static Config Empty { get; } = new(new HoconObject(new ConfigOrigin("empty", 0, 0)), isResolved: true);

    /// <summary>True when the configuration has no path at all.</summary>
    public bool IsEmpty => Resolved.Count == 0;

    /// <summary>The keys of the root object, in the order they were first defined.</summary>
    public IReadOnlyList<string> Keys => [.. Resolved.Keys];

    private HoconObject Resolved => _resolved.Value;

    internal static Config FromParsed(HoconObject root) => new(root, isResolved: false);

    /// <summary>Resolves every substitution now, reporting any error, and returns this configuration.</summary>
    public Config Resolve()
    {
        _ = Resolved;
        return this;
    }

    /// <summary>
    /// This configuration with <paramref name="fallback"/> supplying what this one lacks, merged by the same rule as
    /// duplicate keys (objects merge, anything else overrides). The result is resolved as a whole.
    /// </summary>
    public Config WithFallback(Config fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (ReferenceEquals(fallback, this) || fallback._root.Count == 0)
        {
            return this;
        }

        return Guard.Run(_root.Origin, () => FromParsed(Merger.MergeObjects(_root, fallback._root, mutate: false)));
    }

    /// <summary>True when <paramref name="path"/> is set to a value other than <c>null</c>.</summary>
    public bool HasPath(string path) => Optional(path) is not null;

    /// <summary>Where the value at <paramref name="path"/> was set, or null when the path is not set.</summary>
    public ConfigOrigin? GetOrigin(string path) => Find(path)?.Origin;

    /// <summary>Every path of the resolved tree that holds a value other than an object (lists and nulls included),
    /// depth first in definition order.</summary>
    public IEnumerable<ConfigEntry> Entries() => Entries(Resolved, []);

    private static IEnumerable<ConfigEntry> Entries(HoconObject obj, List<string> prefix)
    {
        foreach (var (key, value) in obj.Fields)
        {
            List<string> elements = [.. prefix, key];
            if (value is HoconObject child)
            {
                foreach (var entry in Entries(child, elements))
                {
                    yield return entry;
                }
            }
            else
            {
                yield return new ConfigEntry(HoconPath.Render(elements), elements, value.Origin);
            }
        }
    }

    /// <summary>The object at <paramref name="path"/> as a configuration of its own; <see cref="Empty"/> when missing or null.</summary>
    public Config GetConfig(string path) => Optional(path) is { } value ? AsConfig(path, value) : Empty;

    /// <summary>
    /// The resolved root as JSON. Numbers keep their HOCON type: written without a fraction or exponent they are
    /// integers (<see cref="long"/>), otherwise <see cref="double"/>.
    /// </summary>
    public JsonNode? ToJson() => Guard.Run(_root.Origin, () => JsonRenderer.Render(Resolved));

    /// <summary>
    /// The resolved configuration as HOCON text; <paramref name="withOrigins"/> adds a <c># file:line:col</c>
    /// comment above every field saying where its value was set.
    /// </summary>
    public string Render(bool withOrigins = false) => Guard.Run(_root.Origin, () => HoconRenderer.Render(Resolved, withOrigins));

    public override string ToString()
    {
        try
        {
            return Render();
        }
        catch (ConfigurationException e)
        {
            return $"<unresolvable configuration: {e.Message}>";
        }
    }

    private static Config AsConfig(string path, HoconValue value) =>
        value is HoconObject obj ? new Config(obj, isResolved: true) : throw WrongType(path, value, "an object");

    /// <summary>The resolved value at a path expression, or null when any element of it is missing.</summary>
    private HoconValue? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var elements = PathExpression.Parse(path);
        HoconValue current = Resolved;
        foreach (var element in elements)
        {
            if (current is not HoconObject obj || !obj.TryGet(element, out var child))
            {
                return null;
            }

            current = child;
        }

        return current;
    }
}
