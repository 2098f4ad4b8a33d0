namespace UsbMesh.Bench;

/// <summary>The 1, 5 and 15 minute load averages, printed by the custom modes so that a run records how busy the machine was.</summary>
internal static class LoadAverage
{
    public static string Read()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
