using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace UsbMesh.Metrics.Tests;

/// <summary>One sample line: its name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Name, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Name, out var value) && value == l.Value);
}

/// <summary>One metric family: its TYPE, HELP and samples.</summary>
public sealed record PrometheusFamily(string Name, string Type, string? Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, written from its specification rather than shared
/// with the exporter: every line is a comment (<c># HELP</c>, <c># TYPE</c> or free text) or a sample
/// <c>name{label="value",...} value [timestamp]</c> with valid names and escapes; TYPE comes before a family's samples,
/// which are contiguous; no series appears twice; histogram buckets are sorted by <c>le</c>, cumulative, end with
/// <c>+Inf</c> equal to <c>_count</c>, beside a <c>_sum</c>. Anything else throws <see cref="FormatException"/> with
/// the line number.
/// </summary>
public static partial class PrometheusTextParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the text does not end with a line feed");
        }

        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var number = 1; number < lines.Length; number++)
        {
            var line = lines[number - 1];
            try
            {
                if (line.StartsWith('#'))
                {
                    Comment(line, types, helps, samples);
                    continue;
                }

                PrometheusSample sample;
                try
                {
                    sample = Sample(line);
                }
                catch (IndexOutOfRangeException)
                {
                    throw new FormatException("the line ends inside its labels");
                }

                var family = FamilyOf(sample.Name, types);
                if (family != current)
                {
                    if (current is not null)
                    {
                        closed.Add(current);
                    }

                    if (closed.Contains(family))
                    {
                        throw new FormatException($"the samples of {family} are not together");
                    }

                    current = family;
                }

                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException($"the series {key} appears twice");
                }

                if (!samples.TryGetValue(family, out var list))
                {
                    samples[family] = list = [];
                }

                list.Add(sample);
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {number} [{line}]: {e.Message}", e);
            }
        }

        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        foreach (var name in types.Keys.Union(samples.Keys))
        {
            var family = new PrometheusFamily(name, types.GetValueOrDefault(name, "untyped"), helps.GetValueOrDefault(name),
                samples.GetValueOrDefault(name) ?? []);
            if (family.Type == "histogram")
            {
                CheckHistogram(family);
            }

            families[name] = family;
        }

        return families;
    }

    private static void Comment(string line, Dictionary<string, string> types, Dictionary<string, string> helps, Dictionary<string, List<PrometheusSample>> samples)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE"))
        {
            return;
        }

        var name = parts[2];
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"invalid metric name {name}");
        }

        if (parts[1] == "TYPE")
        {
            if (parts.Length != 4 || !Types.Contains(parts[3]))
            {
                throw new FormatException("TYPE needs one of " + string.Join(", ", Types));
            }

            if (samples.ContainsKey(name) || !types.TryAdd(name, parts[3]))
            {
                throw new FormatException($"TYPE of {name} after its samples or twice");
            }

            return;
        }

        var help = parts.Length == 4 ? parts[3] : "";
        if (!helps.TryAdd(name, Unescape(help, quoteAllowed: false)))
        {
            throw new FormatException($"HELP of {name} twice");
        }
    }

    private static PrometheusSample Sample(string line)
    {
        var match = MetricName().Match(line);
        if (!match.Success || match.Index != 0)
        {
            throw new FormatException("not a comment and not a sample");
        }

        var name = match.Value;
        var position = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var label = LabelName().Match(line, position);
                if (!label.Success || label.Index != position || label.Value.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException($"invalid label name at column {position + 1}");
                }

                position += label.Length;
                if (line[position] != '=' || line[position + 1] != '"')
                {
                    throw new FormatException($"expected =\" at column {position + 1}");
                }

                position += 2;
                var value = new StringBuilder();
                while (line[position] != '"')
                {
                    if (line[position] == '\\')
                    {
                        value.Append(line[position + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"invalid escape \\{other}"),
                        });
                        position += 2;
                    }
                    else
                    {
                        value.Append(line[position++]);
                    }
                }

                position++;
                if (!labels.TryAdd(label.Value, value.ToString()))
                {
                    throw new FormatException($"label {label.Value} twice");
                }

                if (line[position] == ',')
                {
                    position++;
                }
                else if (line[position] != '}')
                {
                    throw new FormatException($"expected , or }} at column {position + 1}");
                }
            }

            position++;
        }

        if (position >= line.Length || line[position] != ' ')
        {
            throw new FormatException("expected one space before the value");
        }

        var fields = line[(position + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2 || (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("expected a value and at most a timestamp");
        }

        return new PrometheusSample(name, labels, Number(fields[0]));
    }

    private static double Number(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when FloatSyntax().IsMatch(text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"invalid value {text}"),
    };

    private static string FamilyOf(string sample, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(sample[..^suffix.Length]) is "histogram" or "summary")
            {
                return sample[..^suffix.Length];
            }
        }

        if (types.GetValueOrDefault(sample) is "histogram")
        {
            throw new FormatException($"a histogram sample must end in _bucket, _sum or _count");
        }

        return sample;
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        var groups = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
        foreach (var group in groups)
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            if (buckets.Count == 0 || buckets.Any(b => !b.Labels.ContainsKey("le")))
            {
                throw new FormatException($"{family.Name}{{{group.Key}}}: no buckets, or a bucket without le");
            }

            var bounds = buckets.Select(b => Number(b.Labels["le"])).ToList();
            for (var i = 1; i < buckets.Count; i++)
            {
                if (!(bounds[i] > bounds[i - 1]) || buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"{family.Name}{{{group.Key}}}: buckets not sorted by le, or not cumulative");
                }
            }

            if (!double.IsPositiveInfinity(bounds[^1]))
            {
                throw new FormatException($"{family.Name}{{{group.Key}}}: the last bucket is not +Inf");
            }

            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{family.Name}{{{group.Key}}}: no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}{{{group.Key}}}: no _sum");
            if (count.Value != buckets[^1].Value)
            {
                throw new FormatException($"{family.Name}{{{group.Key}}}: +Inf bucket {buckets[^1].Value} differs from _count {count.Value}");
            }
        }
    }

    private static string Unescape(string text, bool quoteAllowed)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new FormatException("a lone backslash");
            }

            result.Append(text[++i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when quoteAllowed => '"',
                var other => throw new FormatException($"invalid escape \\{other}"),
            });
        }

        return result.ToString();
    }

    [GeneratedRegex("[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    // Go's ParseFloat syntax as the format uses it, decimal only.
    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex FloatSyntax();
}
