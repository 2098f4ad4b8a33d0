namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// Which form of the reliability suite runs: the short one by default (CI), the full one (bigger transfers, more
/// faults) with <c>USBMESH_RELIABILITY=full</c>.
/// </summary>
public static class ReliabilityForm
{
    public static bool IsFull { get; } = string.Equals(Environment.GetEnvironmentVariable("USBMESH_RELIABILITY"), "full", StringComparison.OrdinalIgnoreCase);

    /// <summary><paramref name="full"/> in the full form, else <paramref name="short"/>.</summary>
    public static T Pick<T>(T @short, T full) => IsFull ? full : @short;
}
