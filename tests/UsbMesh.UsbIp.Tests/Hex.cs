using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace UsbMesh.UsbIp.Tests;

/// <summary>
/// Commented hex for golden vectors: hex digits in any grouping, <c>// comments</c> to the end of a line,
/// <c>"text":N</c> for a NUL-padded N-byte string field and <c>{00*N}</c> for N repeated bytes.
/// </summary>
internal static partial class Hex
{
    public static byte[] Parse(string text)
    {
        var bytes = new List<byte>();
        foreach (var rawLine in text.Split('\n'))
        {
            var comment = rawLine.IndexOf("//", StringComparison.Ordinal);
            var line = comment < 0 ? rawLine : rawLine[..comment];
            foreach (Match token in Token().Matches(line))
            {
                if (token.Groups["text"].Success)
                {
                    var field = new byte[int.Parse(token.Groups["size"].Value, CultureInfo.InvariantCulture)];
                    Encoding.ASCII.GetBytes(token.Groups["text"].Value).CopyTo(field, 0);
                    bytes.AddRange(field);
                }
                else if (token.Groups["rep"].Success)
                {
                    var value = byte.Parse(token.Groups["rep"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    bytes.AddRange(Enumerable.Repeat(value, int.Parse(token.Groups["count"].Value, CultureInfo.InvariantCulture)));
                }
                else if (token.Groups["hex"].Success)
                {
                    bytes.AddRange(Convert.FromHexString(token.Groups["hex"].Value));
                }
                else
                {
                    throw new FormatException($"unexpected '{token.Value}' in hex: {line}");
                }
            }
        }

        return [.. bytes];
    }

    [GeneratedRegex("\"(?<text>[^\"]*)\":(?<size>\\d+)|\\{(?<rep>[0-9a-fA-F]{2})\\*(?<count>\\d+)\\}|(?<hex>[0-9a-fA-F]+)|(?<bad>\\S)")]
    private static partial Regex Token();
}
