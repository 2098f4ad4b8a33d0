using System.Diagnostics;
using System.Runtime.Versioning;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// A link capped at 1 Mbit/s each way (a token bucket, <see cref="NetworkNamespaces.Throttle"/>) between the hub and
/// the laptop: a transfer to the stick completes whole and uses most of the cap, and a control request on the same
/// device, sent the way a keystroke would be while the bulk transfer floods the link, keeps being answered within a
/// bound (control and interrupt transfers have a session lane of their own).
/// </summary>
[Collection("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class SlowLinkSpec(ITestOutputHelper output) : HubAndLaptopSpec(output)
{
    // 128 KiB per WRITE(10), as Linux's usb-storage sends (max_sectors 240, about 120 KiB): two 64 KiB URBs in flight.
    private const int CommandBytes = 128 * 1024;
    private const double CapBytesPerSecond = 1_000_000 / 8.0;

    // The longest a control request may wait behind the bulk flood: what two commands' data (256 KiB) take at the
    // cap is 2.1 s; measured far below (see docs/RELIABILITY.md), the bound leaves room for a loaded machine.
    private static readonly TimeSpan ControlBound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);
    private static readonly int PatternBytes = ReliabilityForm.Pick(512 * 1024, 2 << 20);

    [NetnsFact]
    public async Task A_transfer_over_a_one_megabit_link_completes_whole_and_control_requests_keep_being_answered_during_it()
    {
        await Stage.StartAsync();
        var baseline = await Stage.BaselineAsync();
        var pattern = HubAndLaptop.Pattern(PatternBytes, 41);
        var marks = Stage.Marks();

        await using (var stick = await Stage.ImportAsync())
        {
            var blocks = BulkOnlyClient.For(stick);
            Stage.Network.Throttle("laptop");
            var clock = Stopwatch.StartNew();
            var writing = HubAndLaptop.WriteAsync(blocks, pattern, clock, CommandBytes);
            var duringWrite = await ControlLatenciesDuringAsync(stick, writing);
            var wrote = clock.Elapsed;
            var shaped = Stage.Network.ShapedBytes("laptop");

            clock.Restart();
            var reading = HubAndLaptop.ReadBackAsync(blocks, PatternBytes, CommandBytes);
            var duringRead = await ControlLatenciesDuringAsync(stick, reading);
            var read = clock.Elapsed;
            HubAndLaptop.AssertSameChecksum(pattern, await reading, "what the client read back");

            Output.WriteLine($"{PatternBytes >> 10} KiB over 1 Mbit/s: written in {wrote.TotalSeconds:F1} s ({Ratio(wrote):P0} of the cap), "
                + $"read back in {read.TotalSeconds:F1} s ({Ratio(read):P0}); {shaped >> 10} KiB went through the laptop's token bucket while writing.");
            Report("writing", duringWrite);
            Report("reading", duringRead);

            // The traffic really went through the bucket, and the bucket really held it to the cap.
            Assert.True(shaped >= PatternBytes, $"only {shaped} bytes went through the laptop's token bucket for a {PatternBytes}-byte write");
            foreach (var (what, took) in new[] { ("write", wrote), ("read", read) })
            {
                Assert.True(Ratio(took) is > 0.5 and < 1.05, $"the {what} ran at {Ratio(took):P0} of the 1 Mbit/s cap");
            }

            // The flood starved no control request: several answered during each phase, none later than the bound.
            foreach (var latencies in new[] { duringWrite, duringRead })
            {
                Assert.True(latencies.Count >= 3, $"only {latencies.Count} control requests were answered during the transfer");
                Assert.True(latencies.Max() < ControlBound, $"a control request waited {latencies.Max().TotalSeconds:F2} s behind the bulk transfer");
            }
        }

        foreach (var node in new[] { "laptop", "hub" })
        {
            Assert.Equal(0, Stage.CountLines(node, "lost its link", marks[node]));
            Assert.Equal(0, Stage.CountLines(node, " is unreachable", marks[node]));
        }

        await Stage.AssertHealthRestoredAsync(baseline);
        await Stage.AssertImageHoldsAsync(pattern);
    }

    private static double Ratio(TimeSpan took) => PatternBytes / took.TotalSeconds / CapBytesPerSecond;

    /// <summary>
    /// Control requests (<see cref="HubAndLaptop.ControlRoundTripAsync"/>), one at a time every
    /// <see cref="ProbeInterval"/> until <paramref name="transfer"/> ends.
    /// </summary>
    private static async Task<List<TimeSpan>> ControlLatenciesDuringAsync(UsbIpClientBackend stick, Task transfer)
    {
        var latencies = new List<TimeSpan>();
        while (!transfer.IsCompleted)
        {
            latencies.Add(await HubAndLaptop.ControlRoundTripAsync(stick));
            await Task.WhenAny(transfer, Task.Delay(ProbeInterval));
        }

        await transfer.WaitAsync(TimeSpan.FromSeconds(120));
        return latencies;
    }

    private void Report(string phase, List<TimeSpan> latencies)
    {
        var sorted = latencies.Order().ToList();
        Output.WriteLine($"Control requests while {phase}: {sorted.Count}, median {sorted[sorted.Count / 2].TotalMilliseconds:F0} ms, "
            + $"95th percentile {sorted[(int)(sorted.Count * 0.95)].TotalMilliseconds:F0} ms, longest {sorted[^1].TotalMilliseconds:F0} ms.");
    }
}
