using System.Globalization;
using System.Text;

namespace UsbMesh.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format, version 0.0.4: <c># HELP</c> and <c># TYPE</c> lines, then one
/// line per sample, <c>name{label="value",...} value</c>, each ending in <c>\n</c>.
/// </summary>
internal sealed class PrometheusText
{
    /// <summary>The media type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    public void Family(string name, string type, string? help)
    {
        if (!string.IsNullOrEmpty(help))
        {
            // In HELP, backslash and line feed are escaped (not the double quote).
            _text.Append("# HELP ").Append(name).Append(' ')
                .Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        }

        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>One sample; <paramref name="extra"/> is a label added after the others (a histogram bucket's <c>le</c>).</summary>
    public void Sample(string name, LabelSet labels, double value, KeyValuePair<string, string>? extra = null)
    {
        _text.Append(name);
        if (labels.Labels.Count > 0 || extra is not null)
        {
            _text.Append('{');
            var first = true;
            foreach (var label in extra is { } added ? labels.Labels.Append(added) : labels.Labels)
            {
                if (!first)
                {
                    _text.Append(',');
                }

                first = false;
                _text.Append(label.Key).Append("=\"");
                AppendLabelValue(label.Value);
                _text.Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(Number(value)).Append('\n');
    }

    public override string ToString() => _text.ToString();

    /// <summary>A sample value or bound as the format writes it: Go's float syntax, +Inf, -Inf, NaN.</summary>
    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    // In label values, backslash, double quote and line feed are escaped.
    private void AppendLabelValue(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    _text.Append("\\\\");
                    break;
                case '"':
                    _text.Append("\\\"");
                    break;
                case '\n':
                    _text.Append("\\n");
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }
    }
}
