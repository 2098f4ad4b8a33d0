using System.Globalization;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// How long the soak runs: <c>USBMESH_SOAK_SECONDS</c> when set; else an hour when <c>USBMESH_RELIABILITY=full</c>
/// (the dedicated run) and a minute otherwise (CI's short form). Samples are taken twelve times a run, at least every
/// minute and at most every 5 s.
/// </summary>
public sealed record SoakSettings(TimeSpan Duration)
{
    public static SoakSettings FromEnvironment()
    {
        var seconds = Environment.GetEnvironmentVariable("USBMESH_SOAK_SECONDS");
        if (!string.IsNullOrEmpty(seconds))
        {
            return new SoakSettings(TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)));
        }

        var full = Environment.GetEnvironmentVariable("USBMESH_RELIABILITY") == "full";
        return new SoakSettings(full ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(1));
    }

    public TimeSpan SampleInterval => TimeSpan.FromTicks(Math.Clamp(Duration.Ticks / 12, TimeSpan.FromSeconds(5).Ticks, TimeSpan.FromMinutes(1).Ticks));
}
