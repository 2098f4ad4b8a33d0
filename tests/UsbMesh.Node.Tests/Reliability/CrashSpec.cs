using System.Runtime.Versioning;
using System.Security.Cryptography;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// A node killed (SIGKILL, as a crash or a pulled plug) while a USB/IP client writes to the hub's stick through the
/// laptop's usbipd endpoint. Killing the exporter must unplug the device cleanly on the laptop after the grace period
/// and lose no write the client saw acknowledged; killing the importer must free the lease as soon as the mesh counts
/// it down. Either way the device can be imported again and holds what was acknowledged.
/// </summary>
[Collection("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class CrashSpec(ITestOutputHelper output)
{
    private const int PatternBytes = 4 << 20;
    private const int KillAfterChunks = 16;

    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(4);

    /// <summary>How far apart two lines about one event may reach the log out of order.</summary>
    private static readonly TimeSpan LogOrderSlack = TimeSpan.FromMilliseconds(100);

    [NetnsFact]
    public async Task Killing_the_exporting_node_mid_write_unplugs_the_device_after_the_grace_period_and_loses_no_acknowledged_write()
    {
        await using var mesh = StickMesh.Create(output, "hub", "laptop");
        var settings = $"usbmesh.sessions.grace-period = {GracePeriod.TotalSeconds}s";
        mesh.StartHub(settings);
        mesh.StartLaptop("hub", settings);
        var busId = await mesh.StickOfferedAsync();

        PatternWriter writer;
        TimeSpan killed, verdict, gone;
        await using (var stick = await mesh.ImportAsync(busId))
        {
            writer = new PatternWriter(stick, PatternBytes, 41, () => mesh.Now);
            var writing = writer.RunAsync();
            await writer.ReachedAsync(KillAfterChunks).WaitAsync(StickMesh.Settle);
            var mark = mesh.Marks()["laptop"];
            var unreachable = mesh.LineAsync("laptop", l => MeshDaemons.IsMemberLine(l, "hub", "is unreachable"), mark);
            var goneLine = mesh.LineAsync("laptop", l => l.Contains($" is gone: no link within the grace period of {GracePeriod.TotalSeconds} s", StringComparison.Ordinal), mark);
            killed = await mesh.KillAsync("hub");

            // The write in flight ends with the device gone: no hang, no other error.
            var ended = await writing.WaitAsync(StickMesh.Settle);
            Assert.True(ended is not null, "the whole pattern was written before the kill: nothing was in flight");
            Assert.NotEmpty(writer.Failures);
            Assert.All(writer.Failures, f => Assert.Equal(UrbStatus.DeviceGone, f.Status));
            verdict = await unreachable - killed;
            gone = await goneLine - killed;
            var urbEnded = writer.Failures[0].At - killed;
            output.WriteLine($"Hub killed after {writer.Acknowledged} acknowledged chunks of {PatternWriter.ChunkBytes / 1024} KiB. On the laptop: the hub unreachable "
                + $"{verdict.TotalSeconds:F2} s after the kill, the device gone {gone.TotalSeconds:F2} s after it; the pending URB ended {writer.Failures[0].Status} "
                + $"at {urbEnded.TotalSeconds:F2} s (grace period {GracePeriod.TotalSeconds} s).");

            // The import ends once the grace period has run from the moment the laptop noticed the loss; it notices at
            // once here (the kernel closes a killed process's sockets) and by the failure detector's verdict at worst.
            Assert.InRange(gone, GracePeriod - TimeSpan.FromSeconds(0.5), GracePeriod + verdict + TimeSpan.FromSeconds(2));
            Assert.InRange(urbEnded, TimeSpan.Zero, gone + TimeSpan.FromSeconds(2));
        }

        // Every acknowledged write is on the image (the hub is dead, so nothing holds the file).
        var acknowledged = writer.Acknowledged;
        Assert.Equal(writer.HashOf(acknowledged), SHA256.HashData(await mesh.ReadImageAsync(acknowledged * PatternWriter.ChunkBytes)));

        // Restarted from the same configuration and state, the hub offers the stick again, and it reads back.
        var restarted = mesh.Now;
        mesh.Restart("hub");
        busId = await mesh.StickOfferedAsync(waitForLaptop: false);
        await using (var again = await mesh.ImportAsync(busId))
        {
            Assert.Equal(writer.HashOf(acknowledged), await PatternWriter.ReadBackHashAsync(again, acknowledged));
        }

        output.WriteLine($"The restarted hub's stick was imported again and read back {(mesh.Now - restarted).TotalSeconds:F1} s after the restart.");
    }

    [NetnsFact]
    public async Task Killing_the_importing_node_mid_write_releases_the_lease_at_the_down_verdict_and_leaves_nothing_behind()
    {
        await using var mesh = StickMesh.Create(output, "hub", "laptop");
        // A grace period far beyond the verdict, so the lease can only be freed by the verdict.
        const string Settings = "usbmesh.sessions.grace-period = 30s";
        mesh.StartHub(Settings);
        mesh.StartLaptop("hub", Settings);
        var busId = await mesh.StickOfferedAsync();
        await mesh.WarmUpAsync(busId);
        var baseline = await mesh.HealthAsync("hub");

        var stick = await mesh.ImportAsync(busId);
        var writer = new PatternWriter(stick, PatternBytes, 42, () => mesh.Now);
        var writing = writer.RunAsync();
        await writer.ReachedAsync(KillAfterChunks).WaitAsync(StickMesh.Settle);
        var mark = mesh.Marks()["hub"];
        var unreachable = mesh.LineAsync("hub", l => MeshDaemons.IsMemberLine(l, "laptop", "is unreachable"), mark);
        var down = mesh.LineAsync("hub", l => MeshDaemons.IsMemberLine(l, "laptop", "is down"), mark);
        var released = mesh.LineAsync("hub", l => l.Contains(" ended: node ", StringComparison.Ordinal) && l.Contains(" is down; the lease is released", StringComparison.Ordinal), mark);
        var killed = await mesh.KillAsync("laptop");

        // The client loses its usbipd connection with the laptop: its write ends at once, with the device gone.
        Assert.NotNull(await writing.WaitAsync(StickMesh.Settle));
        Assert.All(writer.Failures, f => Assert.Equal(UrbStatus.DeviceGone, f.Status));
        await stick.DisposeAsync();
        var (unreachableAt, downAt, releasedAt) = (await unreachable - killed, await down - killed, await released - killed);
        output.WriteLine($"Laptop killed after {writer.Acknowledged} acknowledged chunks. On the hub: the laptop unreachable {unreachableAt.TotalSeconds:F2} s after the kill, "
            + $"down {downAt.TotalSeconds:F2} s, the lease released {releasedAt.TotalSeconds:F2} s ({(releasedAt - downAt).TotalMilliseconds:F0} ms after the down verdict, "
            + $"{(releasedAt - unreachableAt).TotalSeconds:F2} s after the unreachable one).");
        // The down line (the membership actor) and the release line (the session, told of the same verdict) are
        // written by two actors, so the release can reach the log a moment before the verdict does (one CI run: 8 µs).
        Assert.InRange(releasedAt - downAt, -LogOrderSlack, TimeSpan.FromSeconds(3));

        var afterRelease = await mesh.HealthAsync("hub");
        output.WriteLine($"Hub before the import: {baseline}; after the release: {afterRelease}.");
        HealthBaseline.AssertBackToBaseline(baseline, afterRelease);

        // The laptop restarted (same identity, a new incarnation) imports the stick again and reads what was acknowledged.
        var restarted = mesh.Now;
        mesh.Restart("laptop");
        busId = await mesh.StickOfferedAsync();
        var acknowledged = writer.Acknowledged;
        var closedMark = 0;
        await using (var again = await mesh.ImportAsync(busId))
        {
            output.WriteLine($"The restarted laptop imported the stick {(mesh.Now - restarted).TotalSeconds:F1} s after its restart.");
            Assert.Equal(writer.HashOf(acknowledged), await PatternWriter.ReadBackHashAsync(again, acknowledged));
            closedMark = mesh.Marks()["hub"];
        }

        await mesh.LineAsync("hub", StickMesh.IsClosedByImporter, closedMark);
        var final = await mesh.HealthAsync("hub");
        output.WriteLine($"Hub after the second import ended: {final}.");
        HealthBaseline.AssertBackToBaseline(baseline, final);
    }
}
