using System.Globalization;

namespace UsbMesh.TestKit;

/// <summary>Timing of the TestKit. Every timeout is multiplied by <see cref="TimeFactor"/>, read from the
/// <c>USBMESH_TEST_TIMEFACTOR</c> environment variable, so slow machines scale tests instead of failing them.</summary>
public static class TestKitSettings
{
    public const string TimeFactorVariable = "USBMESH_TEST_TIMEFACTOR";

    /// <summary>How long an expectation waits when it names no timeout, before dilation.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long a test system may take to shut down, before dilation.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    public static double TimeFactor { get; } = ReadTimeFactor();

    public static TimeSpan Dilated(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan ? duration : TimeSpan.FromTicks((long)(duration.Ticks * TimeFactor));

    private static double ReadTimeFactor()
    {
        var text = Environment.GetEnvironmentVariable(TimeFactorVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1.0;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor > 0
            ? factor
            : throw new InvalidOperationException($"{TimeFactorVariable}={text} is not a positive number.");
    }
}
