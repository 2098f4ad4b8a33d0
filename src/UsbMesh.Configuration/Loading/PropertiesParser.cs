using System.Globalization;
using System.Text;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Loading;

/// <summary>
/// Java <c>.properties</c> files, mapped as the spec says: keys split on every '.' (keeping empty elements), values
/// always strings, and where a key is both a value and a parent (<c>a=1</c>, <c>a.b=2</c>) the object wins.
/// </summary>
internal static class PropertiesParser
{
    public static HoconObject Parse(string text, string description)
    {
        var root = new HoconObject(new ConfigOrigin(description, 1, 1));
        var entries = new OrderedDictionary<string, (string Value, ConfigOrigin Origin)>(StringComparer.Ordinal);
        foreach (var (line, origin) in LogicalLines(text, description))
        {
            var (key, value) = SplitEntry(line, origin);
            entries[key] = (value, origin);
        }

        foreach (var (key, (value, origin)) in entries)
        {
            var elements = key.Split('.');
            var node = root;
            foreach (var element in elements[..^1])
            {
                if (!node.TryGet(element, out var child) || child is not HoconObject childObject)
                {
                    childObject = new HoconObject(origin);
                    node.Set(element, childObject);
                }

                node = childObject;
            }

            if (!(node.TryGet(elements[^1], out var existing) && existing is HoconObject))
            {
                node.Set(elements[^1], HoconScalar.String(value, origin));
            }
        }

        return root;
    }

    // Natural lines joined where a line ends in an odd number of backslashes; comments and blank lines dropped.
    private static IEnumerable<(string Line, ConfigOrigin Origin)> LogicalLines(string text, string description)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart(' ', '\t', '\f');
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var origin = new ConfigOrigin(description, i + 1, 1);
            var logical = new StringBuilder();
            while (EndsWithContinuation(line) && i + 1 < lines.Length)
            {
                logical.Append(line, 0, line.Length - 1);
                line = lines[++i].TrimStart(' ', '\t', '\f');
            }

            logical.Append(EndsWithContinuation(line) ? line[..^1] : line);
            yield return (logical.ToString(), origin);
        }
    }

    private static bool EndsWithContinuation(string line)
    {
        var backslashes = 0;
        for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }

    // The key ends at the first unescaped '=', ':' or whitespace; then optional whitespace, one optional '=' or ':'
    // and more whitespace precede the value.
    private static (string Key, string Value) SplitEntry(string line, ConfigOrigin origin)
    {
        var end = 0;
        while (end < line.Length && !(line[end] is '=' or ':' or ' ' or '\t' or '\f'))
        {
            end += line[end] == '\\' ? 2 : 1;
        }

        end = Math.Min(end, line.Length);
        var valueStart = end;
        while (valueStart < line.Length && line[valueStart] is ' ' or '\t' or '\f')
        {
            valueStart++;
        }

        if (valueStart < line.Length && line[valueStart] is '=' or ':')
        {
            valueStart++;
            while (valueStart < line.Length && line[valueStart] is ' ' or '\t' or '\f')
            {
                valueStart++;
            }
        }

        return (Unescape(line[..end], origin), Unescape(line[valueStart..], origin));
    }

    private static string Unescape(string text, ConfigOrigin origin)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                builder.Append(text[i]);
                continue;
            }

            var c = text[++i];
            switch (c)
            {
                case 't': builder.Append('\t'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 'f': builder.Append('\f'); break;
                case 'u':
                    if (i + 4 >= text.Length
                        || !int.TryParse(text.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw ConfigErrors.At(origin, "expected four hexadecimal digits after \\u");
                    }

                    builder.Append((char)code);
                    i += 4;
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }
}
