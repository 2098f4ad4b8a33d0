namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// Whether a node that survived a fault is back where it was before the session: no session left, and actors and
/// open file descriptors at most a little above the baseline taken before the import.
/// </summary>
internal static class HealthBaseline
{
    /// <summary>
    /// Descriptors that come and go without a leak: a connection attempt to a peer in progress (the mesh retries a
    /// lost peer with backoff), the runtime's own (a timer or a thread's wait handle). A leak per session or per lane
    /// grows past this with every fault.
    /// </summary>
    private const int FileSlack = 4;

    /// <summary>Actors that come and go: none expected once the device's endpoints have been used (see
    /// <see cref="StickMesh.WarmUpAsync"/>); one for an operation's child actor alive at the sample.</summary>
    private const int ActorSlack = 1;

    public static void AssertBackToBaseline(HealthSample baseline, HealthSample after)
    {
        Assert.Equal(0, after.Sessions);
        Assert.True(after.Actors <= baseline.Actors + ActorSlack, $"actors: {after.Actors} after, {baseline.Actors} before");
        Assert.True(after.OpenFiles <= baseline.OpenFiles + FileSlack, $"open files: {after.OpenFiles} after, {baseline.OpenFiles} before");
    }
}
