using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// The crash scenarios' stage: usbmeshd processes in network namespaces of their own, a hub that exports an emulated
/// 8 MiB stick (<c>stick.img</c> in its state directory) to the laptop, and the laptop's usbipd endpoint reached from
/// the test process, where a USB/IP client imports the stick as <c>hub:&lt;bus id&gt;</c>. A node can be killed and
/// started again from the same configuration and state. Every log line's arrival is timed on one clock, so the specs
/// measure what happened after a kill. Disposing prints each running node's log and tears everything down.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class StickMesh : IAsyncDisposable
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    /// <summary>How long a node may take to start and join: far longer on a loaded machine than anything measured.</summary>
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);
    private static readonly IPEndPoint LaptopUsbipd = new(IPAddress.Loopback, 3240);
    private readonly ITestOutputHelper _output;
    private readonly string[] _nodes;
    private readonly MeshDaemons _daemons = new();
    private readonly Dictionary<string, MeshNodeSpec> _specs = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private NamespaceForwarder? _forwarder;

    private StickMesh(ITestOutputHelper output, string[] nodes)
    {
        _output = output;
        _nodes = nodes;
        Network = NetworkNamespaces.Create(nodes);
    }

    public NetworkNamespaces Network { get; }

    /// <summary>The test's clock, on which kills and log lines are timed.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The stick's image file (readable only while no hub holds it: the gadget locks it).</summary>
    public string ImagePath => Path.Combine(_daemons.StateDirectoryOf("hub"), "stick.img");

    public DaemonProcess this[string node] => _daemons[node];

    /// <summary>A network of <paramref name="nodes"/>; "hub" and "laptop" must be among them.</summary>
    public static StickMesh Create(ITestOutputHelper output, params string[] nodes) => new(output, nodes);

    public string ListenOf(string node) => $"{Network.AddressOf(node)}:7240";

    /// <summary>Starts the hub, its own seed, with the stick shared with the laptop alone.</summary>
    public void StartHub(string settings) =>
        Start(new MeshNodeSpec("hub", ListenOf("hub"), Others("hub"), [ListenOf("hub")],
            ["{ type = mass-storage, name = stick, image = \"stick.img\", size = 8 MiB, share-with = [laptop] }"],
            Network.LauncherOf("hub"), settings));

    /// <summary>Starts the laptop, joining through <paramref name="seed"/>, with its usbipd endpoint on its own loopback.</summary>
    public void StartLaptop(string seed, string settings) =>
        Start(new MeshNodeSpec("laptop", ListenOf("laptop"), Others("laptop"), [ListenOf(seed)], [], Network.LauncherOf("laptop"),
            settings + $$"""

            usbmesh.usbipd { enabled = on, endpoint = "{{LaptopUsbipd}}" }
            """));

    /// <summary>Starts a node without devices or endpoints, joining through <paramref name="seed"/>.</summary>
    public void StartNode(string node, string seed, string settings) =>
        Start(new MeshNodeSpec(node, ListenOf(node), Others(node), [ListenOf(seed)], [], Network.LauncherOf(node), settings));

    /// <summary>Starts a killed node again, from the same configuration and state directory.</summary>
    public void Restart(string node) => _daemons.Start(_specs[node]);

    /// <summary>
    /// Kills the node at once (SIGKILL) and returns when, on the test's clock: once it is known dead, since on a loaded
    /// machine finding the process tree to kill can take a second or more before the signal goes.
    /// </summary>
    public async Task<TimeSpan> KillAsync(string node)
    {
        var daemon = _daemons[node];
        var asked = Now;
        await _daemons.KillAsync(node);
        var dead = Now;
        _output.WriteLine($"=== {node}, killed at {dead.TotalSeconds:F2} s ({(dead - asked).TotalMilliseconds:F0} ms after asked)\n{daemon.Stdout}");
        return dead;
    }

    /// <summary>Waits until the hub has created the stick, and the laptop sees it (unless <paramref name="waitForLaptop"/>
    /// is false: a hub restarted before the laptop counted it down changes nothing in the laptop's view, so nothing
    /// is logged; <see cref="ImportAsync"/> then waits for the offer); returns the bus id the laptop offers it under.</summary>
    public async Task<string> StickOfferedAsync(bool waitForLaptop = true)
    {
        var created = await _daemons["hub"].WaitForLineAsync(l => l.Contains("Gadget stick ", StringComparison.Ordinal) && l.Contains(" created as ", StringComparison.Ordinal), Startup);
        if (waitForLaptop)
        {
            await _daemons["laptop"].WaitForLineAsync(l => l.Contains("The mesh shows this node 1 device(s)", StringComparison.Ordinal), Startup);
        }

        return "hub:" + created[(created.LastIndexOf(" created as ", StringComparison.Ordinal) + 12)..].Trim();
    }

    /// <summary>
    /// Imports through the laptop's usbipd endpoint, again until it offers the device (its view of the mesh may lag,
    /// and a restarted node's announcements take a gossip round or two).
    /// </summary>
    public async Task<UsbIpClientBackend> ImportAsync(string busId)
    {
        // A restarted laptop is a new process in the same namespace: a fresh forwarder reaches its new endpoint.
        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        _forwarder = NamespaceForwarder.Start(Network.NamespaceOf("laptop"), LaptopUsbipd);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await UsbIpClientBackend.ImportAsync(_forwarder.Endpoint, busId);
            }
            catch (Exception e) when (e is UsbIpImportRefusedException or IOException && deadline.Elapsed < Startup)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// Imports the stick, reads a block and lets it go, and waits until the hub has released the lease: a device makes
    /// its endpoints' actors on first use and keeps them, so a health baseline is taken after this, not before.
    /// </summary>
    public async Task WarmUpAsync(string busId)
    {
        var mark = _daemons["hub"].OutputMark;
        await using (var stick = await ImportAsync(busId))
        {
            await BulkOnlyClient.For(stick).ReadAsync(PatternWriter.FirstLba, 1);
        }

        await LineAsync("hub", IsClosedByImporter, mark);
    }

    /// <summary>The hub's line for a session its importer ended.</summary>
    public static bool IsClosedByImporter(string line) => line.Contains("ended: the importer closed it; the lease is released", StringComparison.Ordinal);

    /// <summary>When (on the test's clock) <paramref name="node"/> prints a matching line after <paramref name="mark"/>.
    /// Start it before the event it waits for: a line printed earlier is timed when this is called.</summary>
    public async Task<TimeSpan> LineAsync(string node, Func<string, bool> predicate, int mark, TimeSpan? timeout = null)
    {
        await _daemons[node].WaitForLineAsync(predicate, timeout ?? Settle, mark);
        return Now;
    }

    /// <summary>Every running node's output mark, for <see cref="LineAsync"/> to look after.</summary>
    public Dictionary<string, int> Marks() => _nodes.Where(_daemons.IsRunning).ToDictionary(n => n, n => _daemons[n].OutputMark);

    /// <summary>What the running node holds now (see <see cref="DaemonHealth"/>).</summary>
    public Task<HealthSample> HealthAsync(string node) => DaemonHealth.SampleAsync(_daemons[node], _daemons.StateDirectoryOf(node));

    /// <summary>Bytes of the stick's image from <see cref="PatternWriter.FirstLba"/> on (the hub must not be running).</summary>
    public async Task<byte[]> ReadImageAsync(int length)
    {
        var bytes = new byte[length];
        await using var file = File.OpenRead(ImagePath);
        file.Seek(PatternWriter.FirstLba * BulkOnlyClient.BlockSize, SeekOrigin.Begin);
        await file.ReadExactlyAsync(bytes);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Where(_daemons.IsRunning))
        {
            _output.WriteLine($"=== {node}\n{_daemons[node].Stdout}");
        }

        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        await _daemons.DisposeAsync();
        Network.Dispose();
    }

    private string[] Others(string node) => [.. _nodes.Where(n => n != node)];

    private void Start(MeshNodeSpec spec)
    {
        // Heartbeats may pause 3 s (the shared timings allow 1 s): on a machine shared with other work a busy daemon
        // misses a beat now and then, and a false verdict would down a live node mid-scenario.
        spec = spec with { Settings = "usbmesh.mesh.failure-detector.acceptable-heartbeat-pause = 3s\n" + spec.Settings };
        _specs[spec.Name] = spec;
        _daemons.Start(spec);
    }
}
