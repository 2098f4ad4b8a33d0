namespace UsbMesh.Mesh.Tests.Membership;

/// <summary>A clock that moves only when the test says so.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _now.Ticks;

    public void Advance(TimeSpan by) => _now += by;

    public void Advance(double milliseconds) => Advance(TimeSpan.FromMilliseconds(milliseconds));
}
