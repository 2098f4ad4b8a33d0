using System.Globalization;

namespace UsbMesh.Usb.Tests;

/// <summary>Test helper: hex text with spaces, newlines and <c>//</c> comments to bytes, and back.</summary>
internal static class Hex
{
    public static byte[] Parse(string text)
    {
        var bytes = new List<byte>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine;
            var comment = line.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0)
            {
                line = line[..comment];
            }

            foreach (var token in line.Split([' ', '\t', '\r', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                bytes.Add(byte.Parse(token.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? token[2..] : token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return bytes.ToArray();
    }

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
