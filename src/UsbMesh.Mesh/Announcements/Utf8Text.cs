using System.Text;

namespace UsbMesh.Mesh.Announcements;

/// <summary>Fits display strings into a UTF-8 byte budget.</summary>
internal static class Utf8Text
{
    /// <summary><paramref name="text"/> cut to at most <paramref name="maxBytes"/> of UTF-8, never inside a character.</summary>
    public static string? Truncate(string? text, int maxBytes)
    {
        if (text is null || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var kept = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > maxBytes)
            {
                break;
            }

            kept.Append(rune.ToString());
        }

        return kept.ToString();
    }
}
