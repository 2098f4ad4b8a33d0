namespace UsbMesh.Net;

/// <summary>
/// What one listening endpoint admits (HOCON <c>max-connections</c>, <c>accept-rate</c>, <c>accept-burst</c> of the
/// usbipd, mesh listen, shell and dashboard sections).
/// </summary>
/// <param name="MaxConnections">Connections open at once; one more is closed as soon as it is accepted.</param>
/// <param name="AcceptRate">New connections per second one remote address may open, on average.</param>
/// <param name="AcceptBurst">New connections one remote address may open at once after a quiet spell.</param>
public sealed record AdmissionLimits(int MaxConnections, double AcceptRate, int AcceptBurst)
{
    /// <summary>The largest <see cref="MaxConnections"/> and <see cref="AcceptBurst"/> a setting may ask for.</summary>
    public const int MaxCount = 65536;

    /// <summary>Why these limits cannot be used, or null; the text names the setting.</summary>
    public string? Problem() =>
        MaxConnections is < 1 or > MaxCount ? $"max-connections is {MaxConnections}; the accepted range is 1 to {MaxCount}"
        : !double.IsFinite(AcceptRate) || AcceptRate is <= 0 or > MaxCount ? $"accept-rate is {AcceptRate}; it must be above 0 and at most {MaxCount} per second"
        : AcceptBurst is < 1 or > MaxCount ? $"accept-burst is {AcceptBurst}; the accepted range is 1 to {MaxCount}"
        : null;
}
