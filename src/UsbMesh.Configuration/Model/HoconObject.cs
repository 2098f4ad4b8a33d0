namespace UsbMesh.Configuration.Model;

/// <summary>
/// An object with its keys in definition order. Objects are mutable only while the parser builds them; once a parse
/// returns, every tree is treated as immutable and merges copy.
/// </summary>
internal sealed class HoconObject : HoconValue
{
    private readonly OrderedDictionary<string, HoconValue> _fields;

    public HoconObject(ConfigOrigin origin)
        : this(origin, new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal))
    {
    }

    private HoconObject(ConfigOrigin origin, OrderedDictionary<string, HoconValue> fields)
        : base(origin) => _fields = fields;

    public int Count => _fields.Count;

    public IEnumerable<string> Keys => _fields.Keys;

    public IEnumerable<KeyValuePair<string, HoconValue>> Fields => _fields;

    public override string KindName => "an object";

    public bool TryGet(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HoconValue value) =>
        _fields.TryGetValue(key, out value);

    public void Set(string key, HoconValue value) => _fields[key] = value;

    public HoconObject Copy() => new(Origin, new OrderedDictionary<string, HoconValue>(_fields, StringComparer.Ordinal));

    /// <summary>
    /// The spec's numerically-indexed object as a list (<c>{ "0": a, "1": b }</c> is <c>[a, b]</c>, as properties
    /// files write lists): keys that are non-negative integers, in numeric order; false when there are none.
    /// </summary>
    public bool TryAsList([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HoconArray? list)
    {
        var indexed = new List<(long Index, HoconValue Value)>();
        foreach (var (key, value) in _fields)
        {
            if (long.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                indexed.Add((index, value));
            }
        }

        list = indexed.Count == 0 ? null : new HoconArray([.. indexed.OrderBy(e => e.Index).Select(e => e.Value)], Origin);
        return list is not null;
    }

    /// <summary>A one-field object: how <c>a.b.c = v</c> becomes <c>a { b { c = v } }</c>.</summary>
    public static HoconObject Single(string key, HoconValue value, ConfigOrigin origin)
    {
        var result = new HoconObject(origin);
        result.Set(key, value);
        return result;
    }
}
