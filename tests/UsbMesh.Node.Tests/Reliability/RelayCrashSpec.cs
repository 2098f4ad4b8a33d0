using System.Runtime.Versioning;
using System.Security.Cryptography;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// The relay killed (SIGKILL) while the laptop, which cannot reach the hub itself, writes to the hub's stick through
/// it. With no other path, nothing can resume the session: after the grace period the laptop unplugs the device (the
/// pending URB ends with the device gone) and the hub releases the lease, and both are back to their baseline.
/// </summary>
[Collection("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class RelayCrashSpec(ITestOutputHelper output)
{
    private const int PatternBytes = 4 << 20;
    private const int KillAfterChunks = 16;
    private const int Chunks = PatternBytes / PatternWriter.ChunkBytes;
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(4);

    [NetnsFact]
    public async Task Killing_the_relay_mid_write_unplugs_the_device_after_the_grace_period_and_releases_the_lease()
    {
        await using var mesh = StickMesh.Create(output, "hub", "laptop", "relay");
        var busId = await StartSeparatedAsync(mesh, GracePeriod);
        var baseline = new Dictionary<string, HealthSample> { ["hub"] = await mesh.HealthAsync("hub"), ["laptop"] = await mesh.HealthAsync("laptop") };

        PatternWriter writer;
        TimeSpan killed, gone, released;
        await using (var stick = await mesh.ImportAsync(busId))
        {
            writer = new PatternWriter(stick, PatternBytes, 43, () => mesh.Now);
            var writing = writer.RunAsync();
            await writer.ReachedAsync(KillAfterChunks).WaitAsync(StickMesh.Settle);
            // The session's lanes run through the relay: the laptop has no route to the hub.
            Assert.Contains(" is reached through relay ", mesh["laptop"].Stdout);

            var marks = mesh.Marks();
            var goneLine = mesh.LineAsync("laptop", l => l.Contains($" is gone: no link within the grace period of {GracePeriod.TotalSeconds} s", StringComparison.Ordinal), marks["laptop"]);
            var releasedLine = mesh.LineAsync("hub", l => l.Contains($"did not come back within {GracePeriod.TotalSeconds} s; the lease is released", StringComparison.Ordinal), marks["hub"]);
            killed = await mesh.KillAsync("relay");

            var ended = await writing.WaitAsync(StickMesh.Settle);
            Assert.True(ended is not null, "the whole pattern was written before the kill: nothing was in flight");
            Assert.NotEmpty(writer.Failures);
            Assert.All(writer.Failures, f => Assert.Equal(UrbStatus.DeviceGone, f.Status));
            (gone, released) = (await goneLine - killed, await releasedLine - killed);
            output.WriteLine($"Relay killed after {writer.Acknowledged} acknowledged chunks. The device gone on the laptop {gone.TotalSeconds:F2} s after the kill, "
                + $"the pending URB ended {writer.Failures[0].Status} at {(writer.Failures[0].At - killed).TotalSeconds:F2} s, the hub released the lease at "
                + $"{released.TotalSeconds:F2} s (grace period {GracePeriod.TotalSeconds} s).");
        }

        // Both ends noticed the loss at once (the relay's sockets closed with it), so both ended one grace period later.
        var bound = GracePeriod + TimeSpan.FromSeconds(3);
        Assert.InRange(gone, GracePeriod - TimeSpan.FromSeconds(0.5), bound);
        Assert.InRange(released, GracePeriod - TimeSpan.FromSeconds(0.5), bound);

        // Neither end ever counted the other down: unable to connect to each other, both stay members while the relay
        // reaches them, and after it is gone neither is a majority that may down.
        Assert.DoesNotContain(" is down", mesh["hub"].Stdout);
        Assert.DoesNotContain(" is down", mesh["laptop"].Stdout);

        foreach (var node in new[] { "hub", "laptop" })
        {
            var after = await mesh.HealthAsync(node);
            output.WriteLine($"{node} before the import: {baseline[node]}; after the session ended: {after}.");
            HealthBaseline.AssertBackToBaseline(baseline[node], after);
        }

        await mesh.KillAsync("hub");
        var acknowledged = writer.Acknowledged;
        Assert.Equal(writer.HashOf(acknowledged), SHA256.HashData(await mesh.ReadImageAsync(acknowledged * PatternWriter.ChunkBytes)));
    }

    [NetnsFact]
    public async Task A_relay_restarted_within_the_grace_period_resumes_the_session_and_every_write_arrives_once()
    {
        // Long enough for a killed daemon to start again and rejoin the mesh.
        var gracePeriod = TimeSpan.FromSeconds(20);
        await using var mesh = StickMesh.Create(output, "hub", "laptop", "relay");
        var busId = await StartSeparatedAsync(mesh, gracePeriod);

        PatternWriter writer;
        await using (var stick = await mesh.ImportAsync(busId))
        {
            writer = new PatternWriter(stick, PatternBytes, 44, () => mesh.Now);
            var writing = writer.RunAsync();
            await writer.ReachedAsync(KillAfterChunks).WaitAsync(StickMesh.Settle);
            var marks = mesh.Marks();
            var resumedLine = mesh.LineAsync("laptop", l => l.Contains("The session with ", StringComparison.Ordinal) && l.Contains(" resumed", StringComparison.Ordinal),
                marks["laptop"], gracePeriod);
            var killed = await mesh.KillAsync("relay");
            mesh.Restart("relay");

            var resumed = await resumedLine - killed;
            Assert.Null(await writing.WaitAsync(gracePeriod + StickMesh.Settle));
            Assert.Empty(writer.Failures);
            Assert.Equal(writer.HashOf(Chunks), await PatternWriter.ReadBackHashAsync(stick, Chunks));
            output.WriteLine($"Relay killed after {KillAfterChunks}+ acknowledged chunks and started again at once: the session resumed {resumed.TotalSeconds:F2} s "
                + $"after the kill (grace period {gracePeriod.TotalSeconds} s); all {Chunks} chunks acknowledged and read back; the whole write took until "
                + $"{(mesh.Now - killed).TotalSeconds:F1} s after the kill.");
        }

        Assert.DoesNotContain(" is gone: ", mesh["laptop"].Stdout);
        Assert.DoesNotContain("did not come back within", mesh["hub"].Stdout);
        await mesh.KillAsync("hub");
        Assert.Equal(writer.HashOf(Chunks), SHA256.HashData(await mesh.ReadImageAsync(PatternBytes)));
    }

    /// <summary>
    /// Starts the hub, the relay and the laptop, the hub and the laptop unable to reach each other, and returns the
    /// stick's bus id once it has been imported once (so health baselines count its endpoints' actors).
    /// </summary>
    private static async Task<string> StartSeparatedAsync(StickMesh mesh, TimeSpan gracePeriod)
    {
        mesh.Network.Separate("hub", "laptop");
        var settings = $"usbmesh.sessions.grace-period = {gracePeriod.TotalSeconds}s";
        // The stick is shared with the laptop alone: the laptop learns of it from the relay, which passes the hub's
        // signed announcement on without being in its audience (docs/adr/0015).
        mesh.StartHub(settings);
        mesh.StartNode("relay", "hub", settings + "\nusbmesh.mesh.relay.enabled = on");
        mesh.StartLaptop("relay", settings);
        var busId = await mesh.StickOfferedAsync();
        await mesh.WarmUpAsync(busId);
        return busId;
    }
}
