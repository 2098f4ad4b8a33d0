using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// HOCON for the two nodes of a <see cref="HubAndLaptop"/>: <paramref name="Shared"/> goes to both (a grace period),
/// <paramref name="Hub"/> and <paramref name="Laptop"/> to one each (listen.advertise); <paramref name="LaptopSeed"/>
/// replaces the hub's own endpoint as the laptop's way in (a proxy in front of the hub).
/// </summary>
public sealed record LinkSetup(string Shared = "", string Hub = "", string Laptop = "", string? LaptopSeed = null);


/// <summary>
/// The stage every link fault plays on: a hub daemon exports an emulated 8 MiB stick to a laptop daemon, each in a
/// network namespace of its own, and the spec imports it as a USB/IP client through the laptop's usbipd endpoint
/// (<c>hub:&lt;bus id&gt;</c>), so every URB crosses the link between the two. It writes a pattern, reads it back,
/// checks the image file on the hub, and compares each daemon's health after the import with before it. Disposing
/// prints both logs (shown when a spec fails) and removes the daemons and the namespaces.
/// </summary>
/// <remarks>
/// Nodes are downed only after 20 s of unreachability (the shared short timings down after 3 s; by default it is
/// 10 s, the grace period): a down verdict ends sessions at once, so a down before the grace period would end a
/// session that should have resumed, and that is not what the link specs test.
/// </remarks>
[UnsupportedOSPlatform("windows")]
public sealed class HubAndLaptop : IAsyncDisposable
{
    /// <summary>One WRITE(10) or READ(10): 32 KiB.</summary>
    public const int ChunkBytes = 64 * BulkOnlyClient.BlockSize;

    /// <summary>
    /// Descriptors a daemon may hold beyond its baseline: a mesh connection replaced after a fault may be closed a
    /// moment late, and the baseline itself varies (213 to 220 seen for the same idle daemon).
    /// </summary>
    public const int FileSlack = 8;

    /// <summary>The first block written: past where a partition table would be.</summary>
    private const uint FirstLba = 2048;

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private static readonly IPEndPoint LaptopUsbipd = new(IPAddress.Loopback, 3240);
    private static readonly string[] Daemons = ["hub", "laptop"];
    private readonly ITestOutputHelper _output;
    private readonly MeshDaemons _mesh = new();
    private NamespaceForwarder? _usbipd;
    private string? _busId;

    private HubAndLaptop(ITestOutputHelper output, NetworkNamespaces network)
    {
        _output = output;
        Network = network;
    }

    public NetworkNamespaces Network { get; }

    public DaemonProcess this[string node] => _mesh[node];

    /// <summary>The hub and the laptop, each in a namespace, and <paramref name="moreNodes"/> after them (10.77.0.3 on).</summary>
    public static HubAndLaptop Create(ITestOutputHelper output, params string[] moreNodes) =>
        new(output, NetworkNamespaces.Create(["hub", "laptop", .. moreNodes]));

    /// <summary>A pattern of <paramref name="length"/> random bytes, the same for the same seed.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var pattern = new byte[length];
        new Random(seed).NextBytes(pattern);
        return pattern;
    }

    /// <summary>The stick's block at <paramref name="offset"/> bytes into the written region.</summary>
    public static uint LbaOf(int offset) => FirstLba + (uint)(offset / BulkOnlyClient.BlockSize);

    /// <summary>Starts both daemons and waits until the laptop sees the hub's stick.</summary>
    public async Task StartAsync(LinkSetup? setup = null)
    {
        setup ??= new LinkSetup();
        var shared = $$"""
            usbmesh {
              mesh.down-unreachable-after = 20s
            }
            {{setup.Shared}}
            """;
        var hubEndpoint = $"{Network.AddressOf("hub")}:7240";
        _mesh.Start(new MeshNodeSpec("hub", hubEndpoint, ["laptop"], [hubEndpoint],
            ["{ type = mass-storage, name = stick, image = \"stick.img\", size = 8 MiB, share-with = [laptop] }"], Network.LauncherOf("hub"),
            shared + "\n" + setup.Hub));
        _mesh.Start(new MeshNodeSpec("laptop", $"{Network.AddressOf("laptop")}:7240", ["hub"], [setup.LaptopSeed ?? hubEndpoint], [], Network.LauncherOf("laptop"),
            shared + $$"""

            usbmesh.usbipd { enabled = on, endpoint = "{{LaptopUsbipd}}" }
            {{setup.Laptop}}
            """));

        var created = await _mesh["hub"].WaitForLineAsync(l => l.Contains("Gadget stick ", StringComparison.Ordinal) && l.Contains(" created as ", StringComparison.Ordinal), Settle);
        await _mesh["laptop"].WaitForLineAsync(l => l.Contains("The mesh shows this node 1 device(s)", StringComparison.Ordinal), Settle);
        _busId = "hub:" + created[(created.LastIndexOf(" created as ", StringComparison.Ordinal) + 12)..].Trim();
        _usbipd = NamespaceForwarder.Start(Network.NamespaceOf("laptop"), LaptopUsbipd);
    }

    /// <summary>Imports the stick through the laptop's endpoint, again until it offers it (its view of the mesh may lag).</summary>
    public async Task<UsbIpClientBackend> ImportAsync(TimeSpan? patience = null)
    {
        var endpoint = (_usbipd ?? throw new InvalidOperationException("StartAsync has not run")).Endpoint;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await UsbIpClientBackend.ImportAsync(endpoint, _busId!);
            }
            catch (Exception e) when (e is UsbIpImportRefusedException or IOException && deadline.Elapsed < (patience ?? Settle))
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="pattern"/> one WRITE(10) of <paramref name="chunkBytes"/> at a time from the first block;
    /// <paramref name="beforeChunk"/> runs before each (a fault to inject). Returns when each write was acknowledged,
    /// on <paramref name="clock"/>.
    /// </summary>
    public static async Task<TimeSpan[]> WriteAsync(BulkOnlyInitiator blocks, byte[] pattern, Stopwatch clock, int chunkBytes = ChunkBytes, Action<int>? beforeChunk = null)
    {
        var acknowledged = new TimeSpan[pattern.Length / chunkBytes];
        for (var chunk = 0; chunk < acknowledged.Length; chunk++)
        {
            beforeChunk?.Invoke(chunk);
            await blocks.WriteAsync(LbaOf(chunk * chunkBytes), pattern.AsMemory(chunk * chunkBytes, chunkBytes));
            acknowledged[chunk] = clock.Elapsed;
        }

        return acknowledged;
    }

    /// <summary>
    /// One GET_DESCRIPTOR(device) through the import, the size of a keystroke's report: it goes to the hub's gadget
    /// and back on the session's control lane. Returns how long it took; fails unless it completed whole.
    /// </summary>
    public static async Task<TimeSpan> ControlRoundTripAsync(UsbIpClientBackend stick)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await stick.SubmitAsync(UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18)), CancellationToken.None)
            .WaitAsync(Settle);
        var took = Stopwatch.GetElapsedTime(started);
        Assert.Equal(UrbStatus.Completed, result.Status);
        Assert.Equal(18, result.ActualLength);
        return took;
    }

    /// <summary>
    /// Reads <paramref name="length"/> bytes back through the import, every block once, in place. A lost or repeated
    /// CBW or data stage fails the Bulk-Only exchange already (each CSW names its command's tag).
    /// </summary>
    public static async Task<byte[]> ReadBackAsync(BulkOnlyInitiator blocks, int length, int chunkBytes = ChunkBytes)
    {
        var read = new byte[length];
        for (var offset = 0; offset < length; offset += chunkBytes)
        {
            await blocks.ReadAsync(LbaOf(offset), read.AsMemory(offset, Math.Min(chunkBytes, length - offset)));
        }

        return read;
    }

    /// <summary>Fails unless both byte strings have the same SHA-256 (a short message, not two megabytes of hex).</summary>
    public static void AssertSameChecksum(ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual, string what) =>
        Assert.True(SHA256.HashData(expected.Span).AsSpan().SequenceEqual(SHA256.HashData(actual.Span)), $"{what}: its SHA-256 differs from the pattern's");

    /// <summary>
    /// Checks that the image file holds <paramref name="expected"/> from the first block, once the hub has let go of
    /// it (the gadget holds it exclusively): this kills the hub, so it comes last.
    /// </summary>
    public async Task AssertImageHoldsAsync(ReadOnlyMemory<byte> expected)
    {
        await _mesh.KillAsync("hub");
        var written = new byte[expected.Length];
        await using (var file = File.OpenRead(Path.Combine(_mesh.StateDirectoryOf("hub"), "stick.img")))
        {
            file.Seek(FirstLba * BulkOnlyClient.BlockSize, SeekOrigin.Begin);
            await file.ReadExactlyAsync(written);
        }

        AssertSameChecksum(expected, written, "the hub's image file");
    }

    /// <summary>
    /// The health to come back to: both daemons after one import that moved a block and was closed. A device's
    /// endpoint pipes are made on first use and live as long as the device (the next holder reuses them), so a
    /// baseline taken before any import would count them as left behind.
    /// </summary>
    public async Task<Dictionary<string, HealthSample>> BaselineAsync()
    {
        await using (var stick = await ImportAsync())
        {
            await BulkOnlyClient.For(stick).ReadAsync(FirstLba, 1);
        }

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var baseline = await SampleHealthAsync();
            if (baseline.Values.All(h => h.Sessions == 0))
            {
                return baseline;
            }

            Assert.True(deadline.Elapsed < Settle, $"a closed import still has sessions after {Settle}: {string.Join("; ", baseline.Select(h => $"{h.Key}: {h.Value}"))}");
            await Task.Delay(250);
        }
    }

    /// <summary>What both daemons hold now, with their actor trees (to name what a difference consists of).</summary>
    public async Task<Dictionary<string, HealthSample>> SampleHealthAsync()
    {
        var samples = new Dictionary<string, HealthSample>();
        foreach (var node in Daemons)
        {
            samples[node] = await DaemonHealth.SampleAsync(_mesh[node], _mesh.StateDirectoryOf(node));
        }

        return samples;
    }

    /// <summary>
    /// Waits until both daemons are back to <paramref name="baseline"/> once the import is closed: no session left,
    /// no actor more (a session or a lane actor left behind would be a stuck actor), at most <see cref="FileSlack"/>
    /// descriptors more (a leaked socket would stay); fails with both samples, and the actors that stayed, when they
    /// do not come back in time.
    /// </summary>
    public async Task AssertHealthRestoredAsync(Dictionary<string, HealthSample> baseline)
    {
        var deadline = Stopwatch.StartNew();
        Dictionary<string, HealthSample> now;
        while (true)
        {
            now = await SampleHealthAsync();
            if (Daemons.All(n => IsBack(baseline[n], now[n])) || deadline.Elapsed > Settle)
            {
                break;
            }

            await Task.Delay(500);
        }

        foreach (var node in Daemons)
        {
            var (before, after) = (baseline[node], now[node]);
            _output.WriteLine($"{node} before the import: {before}; after it closed ({deadline.Elapsed.TotalSeconds:F1} s later at most): {after}");
            Assert.True(IsBack(before, after), $"{node} did not come back to its baseline: before {before}, after {after}; actors not there before: {after.NewActorsSince(before)}");
        }
    }

    /// <summary>Where each daemon's log ends now.</summary>
    public Dictionary<string, int> Marks() => Daemons.ToDictionary(n => n, n => _mesh[n].OutputMark);

    /// <summary>Waits for a line of <paramref name="node"/>'s log after <paramref name="mark"/> that contains <paramref name="fragment"/>.</summary>
    public Task<string> WaitForLineAsync(string node, string fragment, int mark = 0, TimeSpan? timeout = null) =>
        _mesh[node].WaitForLineAsync(l => l.Contains(fragment, StringComparison.Ordinal), timeout ?? Settle, mark);

    /// <summary>How many lines of <paramref name="node"/>'s log after <paramref name="mark"/> contain <paramref name="fragment"/>.</summary>
    public int CountLines(string node, string fragment, int mark = 0) =>
        _mesh[node].Stdout[mark..].Split('\n').Count(l => l.Contains(fragment, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Daemons.Where(_mesh.IsRunning))
        {
            _output.WriteLine($"=== {node}\n{_mesh[node].Stdout}");
        }

        if (_usbipd is not null)
        {
            await _usbipd.DisposeAsync();
        }

        // Daemons first: a namespace that still holds a process outlives its deletion.
        await _mesh.DisposeAsync();
        Network.Dispose();
    }

    private static bool IsBack(HealthSample before, HealthSample after) =>
        after.Sessions <= before.Sessions && after.Actors <= before.Actors && after.OpenFiles <= before.OpenFiles + FileSlack;
}
