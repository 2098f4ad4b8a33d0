using System.Globalization;

namespace UsbMesh.Metrics;

/// <summary>
/// The labels of one series: Prometheus label names with their values as text, sorted by name. Equal label sets
/// name the same series whatever order the tags were given in.
/// </summary>
internal sealed class LabelSet : IEquatable<LabelSet>
{
    private readonly int _hash;

    private LabelSet(KeyValuePair<string, string>[] labels, int hash)
    {
        Labels = labels;
        _hash = hash;
    }

    /// <summary>No labels.</summary>
    public static LabelSet Empty { get; } = new([], 0);

    /// <summary>The set that stands for every label set beyond an instrument's limit.</summary>
    public static LabelSet Overflow { get; } = FromTags([new("overflow", "true")]);

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    /// <summary>The labels of <paramref name="tags"/>: names made valid, values as invariant text; a name that
    /// occurs twice keeps its first value.</summary>
    public static LabelSet FromTags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }

        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
        {
            var name = PrometheusNames.Label(tag.Key);
            if (!labels.Exists(l => l.Key == name))
            {
                labels.Add(new(name, Text(tag.Value)));
            }
        }

        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var hash = 0;
        foreach (var label in labels)
        {
            hash += HashCode.Combine(PrometheusNames.LabelHash(label.Key), string.GetHashCode(label.Value));
        }

        return new LabelSet([.. labels], hash);
    }

    /// <summary>
    /// Whether <paramref name="tags"/> give exactly these labels, without allocating: the lookup of every measurement
    /// goes through here.
    /// </summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Labels.Count)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[64];
        foreach (var tag in tags)
        {
            var found = false;
            foreach (var label in Labels)
            {
                if (PrometheusNames.IsLabelOf(tag.Key, label.Key))
                {
                    found = Format(tag.Value, buffer).SequenceEqual(label.Value);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A hash of <paramref name="tags"/> that does not depend on their order and equals the hash of the label
    /// set made from them.</summary>
    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Span<char> buffer = stackalloc char[64];
        var hash = 0;
        foreach (var tag in tags)
        {
            hash += HashCode.Combine(PrometheusNames.LabelHash(tag.Key), string.GetHashCode(Format(tag.Value, buffer)));
        }

        return hash;
    }

    public bool Equals(LabelSet? other) =>
        other is not null && _hash == other._hash && Labels.SequenceEqual(other.Labels);

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hash;

    /// <summary>The value as label text, formatted into <paramref name="buffer"/> where it fits (numbers), so that
    /// lookups allocate nothing.</summary>
    private static ReadOnlySpan<char> Format(object? value, Span<char> buffer) => value switch
    {
        null => [],
        string text => text,
        ISpanFormattable number when number.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture) => buffer[..written],
        _ => Text(value),
    };

    private static string Text(object? value) => value switch
    {
        null => "",
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
