using System.Globalization;

namespace UsbMesh.Node.Shell;

/// <summary>How values read in tables: invariant, short, the same on every node.</summary>
internal static class ShellFormat
{
    /// <summary>"3d 4h", "2h 5m", "4m 7s", "12s".</summary>
    public static string Duration(TimeSpan duration) => duration switch
    {
        { TotalDays: >= 1 } => $"{(int)duration.TotalDays}d {duration.Hours}h",
        { TotalHours: >= 1 } => $"{duration.Hours}h {duration.Minutes}m",
        { TotalMinutes: >= 1 } => $"{duration.Minutes}m {duration.Seconds}s",
        _ => $"{duration.Seconds}s",
    };

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string VidPid(ushort vendor, ushort product) => $"{vendor:x4}:{product:x4}";

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>A moment as UTC ISO 8601 to the second.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
