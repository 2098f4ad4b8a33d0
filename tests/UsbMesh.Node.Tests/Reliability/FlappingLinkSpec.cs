using System.Diagnostics;
using System.Runtime.Versioning;
using UsbMesh.Node.Tests.Bridges;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// A flapping link: the laptop's link goes down and up again and again during a long write. Each drop lasts until
/// the session has noticed it (about a second: connections here give up after 1 s of silence, so a drop that short
/// really breaks the lanes instead of riding on TCP's retransmissions), the link then stays up for 1.5 s of writing.
/// The write goes round and round a 2 MiB region with a different pattern on each pass, so a write lost or replayed
/// late (an older pass over a newer one) shows in what is read back; the device is never unplugged and the session
/// resumes after every drop.
/// </summary>
[Collection("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class FlappingLinkSpec(ITestOutputHelper output) : HubAndLaptopSpec(output)
{
    private const int RegionBytes = 2 << 20;
    private const int Chunks = RegionBytes / HubAndLaptop.ChunkBytes;
    private static readonly int Flaps = ReliabilityForm.Pick(5, 15);
    private static readonly TimeSpan LeastDown = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(1.5);

    [NetnsFact]
    public async Task A_link_that_keeps_dropping_during_a_long_write_loses_and_repeats_no_write_and_unplugs_nothing()
    {
        await Stage.StartAsync(new LinkSetup(Shared: "usbmesh.transports { heartbeat-interval = 250ms, idle-timeout = 1s }"));
        var baseline = await Stage.BaselineAsync();
        var marks = Stage.Marks();
        var expected = new byte[RegionBytes];
        var writes = 0;
        var passes = 0;
        List<(TimeSpan Down, TimeSpan Resumed)> flaps;
        var clock = Stopwatch.StartNew();

        await using (var stick = await Stage.ImportAsync())
        {
            var blocks = BulkOnlyClient.For(stick);
            var flapping = FlapAsync();
            while (!flapping.IsCompleted || passes == 0)
            {
                for (var chunk = 0; chunk < Chunks; chunk++)
                {
                    var data = HubAndLaptop.Pattern(HubAndLaptop.ChunkBytes, (passes * Chunks) + chunk);
                    await blocks.WriteAsync(HubAndLaptop.LbaOf(chunk * HubAndLaptop.ChunkBytes), data);
                    data.CopyTo(expected, chunk * HubAndLaptop.ChunkBytes);
                    writes++;
                }

                passes++;
            }

            flaps = await flapping;
            var read = await HubAndLaptop.ReadBackAsync(blocks, RegionBytes);
            HubAndLaptop.AssertSameChecksum(expected, read, "what the client read back");
        }

        var lost = Stage.CountLines("laptop", "lost its link", marks["laptop"]);
        var resumed = Stage.CountLines("laptop", " resumed", marks["laptop"]);
        var hubResumed = Stage.CountLines("hub", " resumed", marks["hub"]);
        Output.WriteLine($"{Flaps} drops in {clock.Elapsed.TotalSeconds:F1} s, each until the session noticed it ({string.Join(", ", flaps.Select(f => $"{f.Down.TotalSeconds:F1}"))} s), "
            + $"then {Up.TotalSeconds:F1} s up; the session resumed {string.Join(", ", flaps.Select(f => $"{f.Resumed.TotalSeconds:F2}"))} s after each return. "
            + $"{writes} WRITE(10) of {HubAndLaptop.ChunkBytes >> 10} KiB in {passes} passes over {RegionBytes >> 20} MiB; "
            + $"the laptop's session lost its link {lost} times and resumed {resumed} times, the hub's resumed {hubResumed} times.");

        // Every drop broke the session and every break resumed, on both nodes; nothing was unplugged or downed.
        Assert.True(resumed >= Flaps, $"the laptop's session resumed {resumed} times for {Flaps} drops");
        Assert.Equal(lost, resumed);
        Assert.True(hubResumed >= Flaps, $"the hub's session resumed {hubResumed} times for {Flaps} drops");
        foreach (var node in new[] { "laptop", "hub" })
        {
            Assert.Equal(0, Stage.CountLines(node, " is gone: ", marks[node]));
            Assert.Equal(0, Stage.CountLines(node, "did not come back within", marks[node]));
            Assert.Equal(0, Stage.CountLines(node, " is down", marks[node]));
        }

        await Stage.AssertHealthRestoredAsync(baseline);
        await Stage.AssertImageHoldsAsync(expected);
    }

    /// <summary>
    /// Drops the laptop's link <see cref="Flaps"/> times: down until the laptop's session logs that it lost its link
    /// (at least <see cref="LeastDown"/>), then up until it resumed and <see cref="Up"/> more. Returns how long each drop
    /// lasted and how long after the link returned the session resumed.
    /// </summary>
    private async Task<List<(TimeSpan Down, TimeSpan Resumed)>> FlapAsync()
    {
        var flaps = new List<(TimeSpan, TimeSpan)>();
        for (var flap = 0; flap < Flaps; flap++)
        {
            var mark = Stage.Marks()["laptop"];
            var down = Stopwatch.StartNew();
            Stage.Network.Cut("laptop");
            await Stage.WaitForLineAsync("laptop", "lost its link", mark);
            if (down.Elapsed < LeastDown)
            {
                await Task.Delay(LeastDown - down.Elapsed);
            }

            Stage.Network.Restore("laptop");
            var wasDown = down.Elapsed;
            var up = Stopwatch.StartNew();
            await Stage.WaitForLineAsync("laptop", " resumed", mark);
            flaps.Add((wasDown, up.Elapsed));
            await Task.Delay(Up);
        }

        return flaps;
    }
}
