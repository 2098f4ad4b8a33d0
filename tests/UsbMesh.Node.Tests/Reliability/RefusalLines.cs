using System.Globalization;
using System.Text.RegularExpressions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>One log line about refused connections: when, how many since the previous line, and the total so far.</summary>
public sealed record RefusalLine(TimeSpan At, int Count, long Total, string Text)
{
    /// <summary>The refusal lines of the endpoint named <paramref name="endpoint"/> in the daemon's output (text format,
    /// lines starting with HH:mm:ss.fff).</summary>
    public static IReadOnlyList<RefusalLine> Of(string output, string endpoint)
    {
        var pattern = new Regex(
            $@"^(?<at>\d\d:\d\d:\d\d\.\d{{3}}) .*{Regex.Escape(endpoint)} refused (?<count>\d+) connection\(s\): .*, (?<total>\d+) refused since the start$",
            RegexOptions.CultureInvariant);
        return output.Split('\n')
            .Select(line => pattern.Match(line))
            .Where(match => match.Success)
            .Select(match => new RefusalLine(
                TimeSpan.ParseExact(match.Groups["at"].Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture),
                int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["total"].Value, CultureInfo.InvariantCulture),
                match.Value))
            .ToList();
    }
}
