using System.Text;

namespace UsbMesh.Configuration.Model;

/// <summary>Renders paths the way a user would write them, quoting elements that need it.</summary>
internal static class HoconPath
{
    public static string Render(IEnumerable<string> path)
    {
        var builder = new StringBuilder();
        foreach (var element in path)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            if (NeedsQuotes(element))
            {
                builder.Append('"').Append(element.Replace("\\", "\\\\", StringComparison.Ordinal)
                    .Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                builder.Append(element);
            }
        }

        return builder.ToString();
    }

    private static bool NeedsQuotes(string element)
    {
        // An unquoted include at the start of a key would be read as an include statement.
        if (element.Length == 0 || element == "include")
        {
            return true;
        }

        foreach (var c in element)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '_'))
            {
                return true;
            }
        }

        return false;
    }
}
