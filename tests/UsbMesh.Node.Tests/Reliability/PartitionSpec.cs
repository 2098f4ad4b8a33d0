using System.Diagnostics;
using System.Runtime.Versioning;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Node.Tests.Bridges;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// Partitions of the link between a hub that exports a stick and a laptop that imports it (<see cref="HubAndLaptop"/>),
/// in the middle of a write, with the default grace period (10 s). A partition within the grace period costs the
/// USB/IP client nothing but time; a longer one unplugs the device cleanly on both nodes, and once the link is back
/// it can be imported again and holds every write that was acknowledged before the partition.
/// </summary>
/// <remarks>
/// The connections between the daemons notice a cut after 3 s of silence (the shared short timings), so a 5 s
/// partition really breaks the session's lanes and makes them resume; a 2 s one may ride on TCP's retransmissions
/// or break, depending on where the heartbeats fall, and the client must not be able to tell either way.
/// </remarks>
[Collection("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class PartitionSpec(ITestOutputHelper output) : HubAndLaptopSpec(output)
{
    private const int PatternBytes = 4 << 20;
    private const int Chunks = PatternBytes / HubAndLaptop.ChunkBytes;

    // A quarter in, with commands still to come: the next WRITE(10) meets the partition.
    private const int CutBeforeChunk = Chunks / 4;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan BeyondGrace = TimeSpan.FromSeconds(30);

    [NetnsTheory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task A_partition_within_the_grace_period_delays_a_write_through_the_laptops_usbipd_endpoint_and_loses_nothing(int seconds)
    {
        await Stage.StartAsync();
        var baseline = await Stage.BaselineAsync();
        var pattern = HubAndLaptop.Pattern(PatternBytes, 31);
        var marks = Stage.Marks();
        var clock = new Stopwatch();
        Task? restore = null;
        var cutAt = TimeSpan.Zero;
        var restoredAt = TimeSpan.Zero;

        await using (var stick = await Stage.ImportAsync())
        {
            var blocks = BulkOnlyClient.For(stick);
            clock.Start();
            var acknowledged = await HubAndLaptop.WriteAsync(blocks, pattern, clock, beforeChunk: chunk =>
            {
                if (chunk == CutBeforeChunk)
                {
                    Stage.Network.Cut("laptop");
                    cutAt = clock.Elapsed;
                    restore = Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromSeconds(seconds));
                        Stage.Network.Restore("laptop");
                        restoredAt = clock.Elapsed;
                    });
                }
            });
            await restore!.WaitAsync(Settle);

            // The write that met the partition waited for the link: acknowledged only after it returned.
            Assert.True(acknowledged[CutBeforeChunk] > restoredAt, $"the WRITE(10) sent into the partition was acknowledged at {acknowledged[CutBeforeChunk]}, before the link returned at {restoredAt}");
            var lostLink = Stage.CountLines("laptop", "lost its link", marks["laptop"]);
            var resumed = Stage.CountLines("laptop", " resumed", marks["laptop"]);
            Output.WriteLine($"Partition of {(restoredAt - cutAt).TotalSeconds:F1} s: the write resumed {(acknowledged[CutBeforeChunk] - restoredAt).TotalSeconds:F2} s after the link returned "
                + $"(the WRITE(10) that met it took {(acknowledged[CutBeforeChunk] - acknowledged[CutBeforeChunk - 1]).TotalSeconds:F1} s); the whole {PatternBytes >> 20} MiB took {acknowledged[^1].TotalSeconds:F1} s; "
                + $"the laptop's session lost its link {lostLink} time(s) and resumed {resumed} time(s).");

            var read = await HubAndLaptop.ReadBackAsync(blocks, PatternBytes);
            HubAndLaptop.AssertSameChecksum(pattern, read, "what the client read back");
            Assert.Equal(lostLink, resumed);
            if (seconds > 3)
            {
                // Longer than the connections' idle timeout: the lanes must have broken and resumed.
                Assert.True(resumed >= 1, $"a {seconds} s partition did not break the session's lanes");
            }
        }

        // Neither node let the device go, and neither downed the other.
        foreach (var node in new[] { "laptop", "hub" })
        {
            Assert.Equal(0, Stage.CountLines(node, " is gone: ", marks[node]));
            Assert.Equal(0, Stage.CountLines(node, "did not come back within", marks[node]));
            Assert.Equal(0, Stage.CountLines(node, " is down", marks[node]));
        }

        await Stage.AssertHealthRestoredAsync(baseline);
        await Stage.AssertImageHoldsAsync(pattern);
    }

    [NetnsFact]
    public async Task A_partition_beyond_the_grace_period_unplugs_the_device_on_both_nodes_and_it_comes_back_with_every_acknowledged_write()
    {
        await Stage.StartAsync();
        var baseline = await Stage.BaselineAsync();
        var pattern = HubAndLaptop.Pattern(PatternBytes, 32);
        var acknowledgedBytes = CutBeforeChunk * HubAndLaptop.ChunkBytes;
        var marks = Stage.Marks();
        var sinceCut = new Stopwatch();
        TimeSpan gone;
        TimeSpan released;
        await using (var stick = await Stage.ImportAsync())
        {
            // The WRITE(10) after the cut is pending at the laptop when the grace period ends: its first URB ends
            // DeviceGone, and every write before it was acknowledged.
            var failure = await Assert.ThrowsAsync<BulkOnlyException>(() => HubAndLaptop.WriteAsync(BulkOnlyClient.For(stick), pattern, new Stopwatch(), beforeChunk: chunk =>
            {
                if (chunk == CutBeforeChunk)
                {
                    Stage.Network.Cut("laptop");
                    sinceCut.Start();
                }
            }));
            gone = sinceCut.Elapsed;
            Assert.Contains("DeviceGone", failure.Message);

            await Stage.WaitForLineAsync("laptop", " is gone: no link within the grace period of 10 s", marks["laptop"]);
            await Stage.WaitForLineAsync("hub", "did not come back within 10 s; the lease is released", marks["hub"]);
            released = sinceCut.Elapsed;
            // The client's import was closed by the laptop's endpoint, not left hanging.
            await stick.Closed.WaitAsync(Settle);
        }

        // The rest of the partition: the daemons notice nothing more until the link returns.
        await Task.Delay(BeyondGrace - sinceCut.Elapsed);
        Stage.Network.Restore("laptop");
        var restored = Stopwatch.StartNew();
        TimeSpan imported;
        await using (var again = await Stage.ImportAsync(patience: TimeSpan.FromSeconds(60)))
        {
            imported = restored.Elapsed;
            var read = await HubAndLaptop.ReadBackAsync(BulkOnlyClient.For(again), acknowledgedBytes);
            HubAndLaptop.AssertSameChecksum(pattern.AsMemory(0, acknowledgedBytes), read, "the acknowledged writes read back after the partition");
        }

        Output.WriteLine($"Partition of {BeyondGrace.TotalSeconds:F0} s: the pending WRITE(10) ended DeviceGone {gone.TotalSeconds:F1} s after the cut, "
            + $"both logs told (device gone, lease released) by {released.TotalSeconds:F1} s; imported again {imported.TotalSeconds:F1} s after the link returned, "
            + $"holding all {acknowledgedBytes >> 10} KiB acknowledged before the cut.");
        await Stage.AssertHealthRestoredAsync(baseline);
        await Stage.AssertImageHoldsAsync(pattern.AsMemory(0, acknowledgedBytes));
    }
}
