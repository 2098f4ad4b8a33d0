using System.Globalization;

namespace UsbMesh.TestKit.Fuzzing;

/// <summary>
/// How one fuzz run is bounded, read from the same environment variables as the configuration parser's fuzz:
/// <c>USBMESH_FUZZ_SECONDS</c> (time budget), <c>USBMESH_FUZZ_INPUTS</c> (optional count limit),
/// <c>USBMESH_FUZZ_SEED</c> (run seed; fixed by default so a CI run is deterministic up to its budget) and
/// <c>USBMESH_FUZZ_REPLAY</c> (runs only the input with that input seed, as a failure prints it).
/// </summary>
public sealed record FuzzSettings(int Seed, double Seconds, long? MaxInputs, int? Replay)
{
    /// <summary>The run seed when USBMESH_FUZZ_SEED is not set: fixed, so that a CI run repeats itself.</summary>
    public const int DefaultSeed = 20261122;

    /// <summary>Each fuzz test's time budget in a CI run, when USBMESH_FUZZ_SECONDS is not set.</summary>
    public const double DefaultSeconds = 2.5;

    public static FuzzSettings FromEnvironment(int defaultSeed = DefaultSeed, double defaultSeconds = DefaultSeconds) => new(
        EnvironmentInt("USBMESH_FUZZ_SEED") ?? defaultSeed,
        double.TryParse(Environment.GetEnvironmentVariable("USBMESH_FUZZ_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : defaultSeconds,
        long.TryParse(Environment.GetEnvironmentVariable("USBMESH_FUZZ_INPUTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var inputs)
            ? inputs
            : null,
        EnvironmentInt("USBMESH_FUZZ_REPLAY"));

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
