using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Merging;

/// <summary>
/// Joins the pieces of a concatenation (resolved ones, or ones that needed no resolution): strings into a string,
/// lists into a list, objects by merging, later over earlier. Mixing kinds is an error at the concatenation.
/// </summary>
internal static class Concatenator
{
    /// <summary>
    /// Null when every piece was an undefined optional substitution: the value is then undefined too. Whitespace
    /// between undefined pieces still counts, so <c>${?x} ${?y}</c> with neither defined is a single space.
    /// </summary>
    public static HoconValue? Join(IReadOnlyList<HoconValue> pieces, ConfigOrigin origin)
    {
        if (pieces.Count == 0)
        {
            return null;
        }

        var values = pieces.Where(piece => piece is not HoconScalar { IsWhitespace: true }).ToList();

        // With its neighbours undefined, a lone substitution keeps its type: ${?a}${b} is b, not b as a string.
        if (pieces.Count == 1)
        {
            return pieces[0];
        }

        if (values.Count == 0 || !values.Any(value => value is HoconObject or HoconArray))
        {
            return HoconScalar.String(string.Concat(pieces.Select(piece => ((HoconScalar)piece).Text)), origin);
        }

        // Whitespace between lists or objects is layout, not part of the value.
        if (values.All(value => value is HoconObject))
        {
            return values.Cast<HoconObject>().Aggregate((merged, next) => Merger.MergeObjects(next, merged, mutate: false));
        }

        var elements = new List<HoconValue>();
        foreach (var value in values)
        {
            switch (value)
            {
                case HoconArray array:
                    elements.AddRange(array.Elements);
                    break;
                case HoconObject indexed when indexed.TryAsList(out var list):
                    elements.AddRange(list.Elements);
                    break;
                default:
                    var kinds = string.Join(" with ", values.Select(v => $"{v.KindName} (from {v.Origin})"));
                    throw ConfigErrors.At(origin,
                        $"cannot concatenate {kinds}; only strings with strings, lists with lists and objects with objects join");
            }
        }

        return new HoconArray(elements, origin);
    }
}
