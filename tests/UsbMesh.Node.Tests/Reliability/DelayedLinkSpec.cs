using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// A link with latency (this kernel has no netem): every byte between the hub and the laptop crosses a
/// <see cref="DelayingProxy"/> in a third namespace that holds it for a fixed time each way. Each node announces the
/// proxy as its address (listen.advertise), the laptop joins through it, and a blackhole route on each side keeps
/// them from reaching each other directly. A transfer completes whole, a URB's round trip is two delays plus a
/// small overhead, and the latency makes nobody unreachable and nothing unplugged.
/// </summary>
[Collection("Reliability")]
[UnsupportedOSPlatform("windows")]
public sealed class DelayedLinkSpec(ITestOutputHelper output) : HubAndLaptopSpec(output, "proxy")
{
    private const int CommandBytes = 128 * 1024;
    private const int RoundTrips = 20;

    // What the daemons, the usbipd endpoint and the proxy add to a round trip on an idle link: 69 ms (median) measured
    // at a load average of 40 on 2 CPUs; the bound leaves room for worse.
    private static readonly TimeSpan OverheadBound = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(ReliabilityForm.Pick(50, 100));
    private static readonly int PatternBytes = ReliabilityForm.Pick(1 << 20, 4 << 20);

    [NetnsFact]
    public async Task A_transfer_over_a_delayed_link_completes_whole_with_round_trips_of_two_delays_and_nobody_unreachable()
    {
        var network = Stage.Network;
        network.Separate("hub", "laptop");
        var proxy = network.AddressOf("proxy");
        var toHub = new IPEndPoint(IPAddress.Parse(proxy), 7240);
        var toLaptop = new IPEndPoint(IPAddress.Parse(proxy), 7241);
        await using var hubSide = DelayingProxy.Start(network.NamespaceOf("proxy"), toHub, new IPEndPoint(IPAddress.Parse(network.AddressOf("hub")), 7240), Delay);
        await using var laptopSide = DelayingProxy.Start(network.NamespaceOf("proxy"), toLaptop, new IPEndPoint(IPAddress.Parse(network.AddressOf("laptop")), 7240), Delay);
        await Stage.StartAsync(new LinkSetup(
            Hub: $"usbmesh.listen.advertise = [\"{toHub}\"]",
            Laptop: $"usbmesh.listen.advertise = [\"{toLaptop}\"]",
            LaptopSeed: toHub.ToString()));
        var baseline = await Stage.BaselineAsync();
        var pattern = HubAndLaptop.Pattern(PatternBytes, 51);
        var marks = Stage.Marks();

        await using (var stick = await Stage.ImportAsync())
        {
            var roundTrips = await RoundTripsAsync(stick);
            var blocks = BulkOnlyClient.For(stick);
            var clock = Stopwatch.StartNew();
            await HubAndLaptop.WriteAsync(blocks, pattern, clock, CommandBytes);
            var wrote = clock.Elapsed;
            clock.Restart();
            var read = await HubAndLaptop.ReadBackAsync(blocks, PatternBytes, CommandBytes);
            var readTook = clock.Elapsed;
            HubAndLaptop.AssertSameChecksum(pattern, read, "what the client read back");

            var twoDelays = 2 * Delay;
            Output.WriteLine($"Delay {Delay.TotalMilliseconds:F0} ms each way: URB round trip (GET_DESCRIPTOR, {RoundTrips} on an idle link) "
                + $"min {roundTrips[0].TotalMilliseconds:F1} ms, median {roundTrips[RoundTrips / 2].TotalMilliseconds:F1} ms, max {roundTrips[^1].TotalMilliseconds:F1} ms, "
                + $"so {(roundTrips[RoundTrips / 2] - twoDelays).TotalMilliseconds:F1} ms over two delays; {PatternBytes >> 10} KiB written in {wrote.TotalSeconds:F1} s, "
                + $"read back in {readTook.TotalSeconds:F1} s ({CommandBytes >> 10} KiB per command); the proxy carried {(hubSide.ForwardedBytes + laptopSide.ForwardedBytes) >> 10} KiB "
                + $"over {hubSide.Connections + laptopSide.Connections} connection(s).");

            // Nothing went round the proxy: no round trip beat two delays (a millisecond of timer rounding aside), and
            // the proxy carried the data both ways.
            Assert.True(roundTrips[0] >= twoDelays - TimeSpan.FromMilliseconds(1), $"a URB made its round trip in {roundTrips[0].TotalMilliseconds:F1} ms, under two delays");
            Assert.True(roundTrips[RoundTrips / 2] < twoDelays + OverheadBound, $"the median round trip took {roundTrips[RoundTrips / 2].TotalMilliseconds:F1} ms");
            Assert.True(hubSide.ForwardedBytes + laptopSide.ForwardedBytes >= 2L * PatternBytes, "the transfer did not cross the proxy");
        }

        foreach (var node in new[] { "laptop", "hub" })
        {
            foreach (var fault in new[] { "lost its link", " is unreachable", " is down", " is gone: " })
            {
                Assert.Equal(0, Stage.CountLines(node, fault, marks[node]));
            }
        }

        await Stage.AssertHealthRestoredAsync(baseline);
        await Stage.AssertImageHoldsAsync(pattern);
    }

    /// <summary><see cref="RoundTrips"/> control requests (<see cref="HubAndLaptop.ControlRoundTripAsync"/>), one at a time; sorted.</summary>
    private static async Task<List<TimeSpan>> RoundTripsAsync(UsbIpClientBackend stick)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < RoundTrips; i++)
        {
            times.Add(await HubAndLaptop.ControlRoundTripAsync(stick));
        }

        times.Sort();
        return times;
    }
}
