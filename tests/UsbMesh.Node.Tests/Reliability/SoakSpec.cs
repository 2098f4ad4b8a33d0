using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Shell;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// Continuous traffic on four devices of a hub, imported by a laptop over the mesh and used through the laptop's
/// usbipd endpoint, each daemon in a network namespace of its own: two sticks written and read back at random
/// places, a serial port in echo mode, a keyboard's control endpoint. While it runs, both daemons are sampled
/// (memory, descriptors, threads, actors, sessions, URBs in flight): nothing may grow with time, no transfer may
/// fail, no data may differ, and neither daemon may log an error. A minute in CI; an hour on demand
/// (<see cref="SoakSettings"/>).
/// </summary>
[UnsupportedOSPlatform("windows")]
[Collection("Reliability")]
public sealed class SoakSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const int MaxInFlightPerDevice = 16;
    private const uint StickBlocks = 8 * 1024 * 1024 / BulkOnlyClient.BlockSize;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private static readonly string[] Nodes = ["hub", "laptop"];
    private static readonly string[] Gadgets = ["stick-a", "stick-b", "console", "keys"];
    private static readonly IPEndPoint LaptopUsbipd = new(IPAddress.Loopback, 3240);
    private readonly MeshDaemons _mesh = new();
    private NetworkNamespaces? _network;

    public Task InitializeAsync()
    {
        _network = NetworkNamespaces.Create(Nodes);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes.Where(_mesh.IsRunning))
        {
            output.WriteLine($"=== {node}\n{_mesh[node].Stdout}");
        }

        await _mesh.DisposeAsync();
        _network?.Dispose();
    }

    [NetnsFact]
    public async Task Continuous_traffic_on_four_devices_leaves_memory_handles_threads_and_urb_tables_level()
    {
        var soak = SoakSettings.FromEnvironment();
        var busIds = await StartPairAsync();
        await using var forwarder = NamespaceForwarder.Start(_network!.NamespaceOf("laptop"), LaptopUsbipd);

        // The baseline is a node that has served each device once: a device keeps the actors of the endpoints it
        // used (its pipes) for as long as it lives, and those are not what a leak looks like.
        await RunTrafficAsync(forwarder.Endpoint, busIds, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), sample: null);
        await AwaitAsync(async () => await SampleBothAsync() is ({ Sessions: 0 }, { Sessions: 0 }), () => "the warm-up's sessions closed");
        var idle = await SampleBothAsync();

        var samples = new List<(TimeSpan At, HealthSample Hub, HealthSample Laptop, int HubInFlight, int LaptopInFlight)>();
        await RunTrafficAsync(forwarder.Endpoint, busIds, soak.Duration, soak.SampleInterval, async (at, tallies) =>
        {
            var (hub, laptop) = await SampleBothAsync();
            var sample = (at, hub, laptop, await InFlightAsync("hub"), await InFlightAsync("laptop"));
            samples.Add(sample);
            output.WriteLine($"{at.TotalSeconds,6:F0} s  hub: {hub}, {sample.Item4} URBs in flight | laptop: {laptop}, {sample.Item5} URBs in flight | "
                + string.Join(", ", tallies.Select(t => $"{t.Device} {t.Operations}")));
        });

        AssertLevel(samples.Select(s => (s.At, s.Hub)).ToList(), "hub");
        AssertLevel(samples.Select(s => (s.At, s.Laptop)).ToList(), "laptop");
        Assert.All(samples, s => Assert.Equal(Gadgets.Length, s.Hub.Sessions));
        Assert.All(samples, s => Assert.Equal(Gadgets.Length, s.Laptop.Sessions));

        // Each loop waits for its transfer before the next; a stick's data stage is a few URBs at once.
        Assert.All(samples, s => Assert.InRange(s.HubInFlight, 0, MaxInFlightPerDevice * Gadgets.Length));
        Assert.All(samples, s => Assert.InRange(s.LaptopInFlight, 0, MaxInFlightPerDevice * Gadgets.Length));

        // Closed imports leave no session, no extra actor and no extra descriptor behind.
        var last = idle;
        await AwaitAsync(async () =>
        {
            var (hub, laptop) = last = await SampleBothAsync();
            return hub.Sessions == 0 && laptop.Sessions == 0 && hub.Actors == idle.Hub.Actors && laptop.Actors == idle.Laptop.Actors
                && hub.OpenFiles <= idle.Hub.OpenFiles + 2 && laptop.OpenFiles <= idle.Laptop.OpenFiles + 2;
        }, () => $"both daemons back to their idle state ({idle.Hub} / {idle.Laptop}); last seen: {last.Hub} / {last.Laptop}; "
            + $"new actors: hub [{last.Hub.NewActorsSince(idle.Hub)}], laptop [{last.Laptop.NewActorsSince(idle.Laptop)}]");
        output.WriteLine($"After the soak: hub {last.Hub} (idle {idle.Hub}); laptop {last.Laptop} (idle {idle.Laptop})");

        foreach (var node in Nodes)
        {
            Assert.DoesNotContain("[ERR]", _mesh[node].Stdout);
            Assert.DoesNotContain("[FTL]", _mesh[node].Stdout);
        }
    }

    /// <summary>
    /// Imports every gadget through <paramref name="endpoint"/>, runs the traffic loops for <paramref name="duration"/>
    /// (calling <paramref name="sample"/> every <paramref name="interval"/>), stops them and checks what they moved;
    /// then, the imports still open, waits until neither node has a URB in flight, and closes the imports.
    /// </summary>
    private async Task RunTrafficAsync(IPEndPoint endpoint, IReadOnlyDictionary<string, string> busIds, TimeSpan duration, TimeSpan interval,
        Func<TimeSpan, IReadOnlyList<TrafficTally>, Task>? sample)
    {
        var devices = new List<UsbIpClientBackend>();
        try
        {
            foreach (var gadget in Gadgets)
            {
                devices.Add(await ImportAsync(endpoint, busIds[gadget]));
            }

            using var stop = new CancellationTokenSource();
            var tallies = Gadgets.Select(g => new TrafficTally(g)).ToArray();
            var traffic = new[]
            {
                SoakTraffic.RunStickAsync(devices[0], StickBlocks, 1, tallies[0], stop.Token),
                SoakTraffic.RunStickAsync(devices[1], StickBlocks, 2, tallies[1], stop.Token),
                SoakTraffic.RunSerialEchoAsync(devices[2], 3, tallies[2], stop.Token),
                SoakTraffic.RunControlAsync(devices[3], tallies[3], stop.Token),
            };

            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration && tallies.All(t => t.Failure is null))
            {
                await Task.Delay(interval);
                await (sample?.Invoke(clock.Elapsed, tallies) ?? Task.CompletedTask);
            }

            await stop.CancelAsync();
            await Task.WhenAll(traffic).WaitAsync(Settle);
            foreach (var tally in tallies)
            {
                output.WriteLine(tally.ToString());
                Assert.Null(tally.Failure);
                Assert.True(tally.Operations > 0, $"{tally.Device} moved nothing");
            }

            // With the traffic stopped, every URB sent has been answered on both sides.
            await AwaitAsync(async () => await InFlightAsync("hub") == 0 && await InFlightAsync("laptop") == 0, () => "no URB in flight once the traffic stopped");
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Nothing grows with time: the last third of the samples reaches no higher than the first third, give or take
    /// what a steady process varies by (a few descriptors for sockets opened and closed, a few pool threads, a
    /// garbage-collected heap that breathes).
    /// </summary>
    private void AssertLevel(IReadOnlyList<(TimeSpan At, HealthSample Sample)> samples, string node)
    {
        Assert.True(samples.Count >= 3, $"only {samples.Count} samples of {node}");
        var third = samples.Count / 3;
        var early = samples.Take(third).Select(s => s.Sample).ToList();
        var late = samples.Skip(samples.Count - third).Select(s => s.Sample).ToList();
        var earlyRss = early.Max(s => s.ResidentBytes);
        var lateRss = late.Max(s => s.ResidentBytes);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{node}: RSS {earlyRss / 1048576.0:F1} -> {lateRss / 1048576.0:F1} MiB, fds {early.Max(s => s.OpenFiles)} -> {late.Max(s => s.OpenFiles)}, "
            + $"threads {early.Max(s => s.Threads)} -> {late.Max(s => s.Threads)}, actors {early.Max(s => s.Actors)} -> {late.Max(s => s.Actors)}"));
        Assert.InRange(lateRss, 0, (long)(earlyRss * 1.2) + (16 << 20));
        Assert.InRange(late.Max(s => s.OpenFiles), 0, early.Max(s => s.OpenFiles) + 4);
        Assert.InRange(late.Max(s => s.Threads), 0, early.Max(s => s.Threads) + 6);
        Assert.Equal(early.Max(s => s.Actors), late.Max(s => s.Actors));
    }

    private async Task<(HealthSample Hub, HealthSample Laptop)> SampleBothAsync() =>
        (await DaemonHealth.SampleAsync(_mesh["hub"], _mesh.StateDirectoryOf("hub")),
         await DaemonHealth.SampleAsync(_mesh["laptop"], _mesh.StateDirectoryOf("laptop")));

    /// <summary>The node's <c>usbmesh_urbs_in_flight</c>, summed over sides and devices.</summary>
    private async Task<int> InFlightAsync(string node)
    {
        await using var shell = await ShellClient.ConnectAsync(Path.Combine(_mesh.StateDirectoryOf(node), "admin.sock"), "soak");
        return (await DaemonHealth.LinesAsync(shell, "metrics", "show"))
            .Where(l => l.StartsWith("usbmesh_urbs_in_flight{", StringComparison.Ordinal))
            .Sum(l => int.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static async Task AwaitAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Settle, $"Not within {Settle}: {what()}");
            await Task.Delay(250);
        }
    }

    /// <summary>Starts both daemons and returns the bus ids the laptop's usbipd endpoint offers the hub's gadgets under.</summary>
    private async Task<IReadOnlyDictionary<string, string>> StartPairAsync()
    {
        var network = _network!;
        var seed = $"{network.AddressOf("hub")}:7240";
        string[] gadgets =
        [
            "{ type = mass-storage, name = stick-a, image = \"a.img\", size = 8 MiB, share-with = [laptop] }",
            "{ type = mass-storage, name = stick-b, image = \"b.img\", size = 8 MiB, share-with = [laptop] }",
            "{ type = serial, name = console, serial-mode = echo, share-with = [laptop] }",
            "{ type = keyboard, name = keys, share-with = [laptop] }",
        ];
        var hub = _mesh.Start(new MeshNodeSpec("hub", seed, ["laptop"], [seed], gadgets, network.LauncherOf("hub")));
        _mesh.Start(new MeshNodeSpec("laptop", $"{network.AddressOf("laptop")}:7240", ["hub"], [seed], [], network.LauncherOf("laptop"),
            $$"""usbmesh.usbipd { enabled = on, endpoint = "{{LaptopUsbipd}}" }"""));

        var busIds = new Dictionary<string, string>();
        foreach (var gadget in Gadgets)
        {
            var created = await hub.WaitForLineAsync(l => l.Contains($"Gadget {gadget} ", StringComparison.Ordinal) && l.Contains(" created as ", StringComparison.Ordinal), Settle);
            busIds[gadget] = "hub:" + created[(created.LastIndexOf(" created as ", StringComparison.Ordinal) + 12)..].Trim();
        }

        await _mesh["laptop"].WaitForLineAsync(l => l.Contains($"The mesh shows this node {Gadgets.Length} device(s)", StringComparison.Ordinal), Settle);
        return busIds;
    }

    /// <summary>Imports through the laptop's endpoint, again until it offers the device (its view of the mesh may lag).</summary>
    private static async Task<UsbIpClientBackend> ImportAsync(IPEndPoint endpoint, string busId)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await UsbIpClientBackend.ImportAsync(endpoint, busId);
            }
            catch (Exception e) when (e is UsbIpImportRefusedException or IOException && deadline.Elapsed < Settle)
            {
                await Task.Delay(250);
            }
        }
    }
}
