using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests;

/// <summary>
/// A device imported from another node over a link that fails the way a real one does: a hub daemon exports an
/// emulated stick to a laptop daemon, each in a network namespace of its own, and a USB/IP client imports it through
/// the laptop's usbipd endpoint (<c>hub:&lt;bus id&gt;</c>). A cut shorter than the grace period costs the client
/// nothing but time; a longer one unplugs the device cleanly on both nodes, and it can be imported again.
/// </summary>
/// <remarks>
/// The connections between the daemons notice a cut after 3 s of silence (the shared short timings), so a 5 s cut
/// really breaks the session's lanes and makes them resume. Nodes are downed only after 20 s here, as by default
/// (10 s) not before the grace period: a down verdict ends sessions at once, and that is not what is tested.
/// </remarks>
[UnsupportedOSPlatform("windows")]
public sealed class NamespaceImportSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ChunkBytes = 64 * BulkOnlyClient.BlockSize;
    private const int PatternBytes = 4 << 20;
    private const uint FirstLba = 2048;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private static readonly string[] Nodes = ["hub", "laptop"];
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
    public async Task A_cut_within_the_grace_period_leaves_a_transfer_through_the_laptops_usbipd_endpoint_whole()
    {
        var busId = await StartPairAsync(gracePeriod: null);
        await using var forwarder = NamespaceForwarder.Start(Network.NamespaceOf("laptop"), LaptopUsbipd);
        var pattern = new byte[PatternBytes];
        new Random(31).NextBytes(pattern);

        await using (var stick = await ImportAsync(forwarder.Endpoint, busId))
        {
            var blocks = BulkOnlyClient.For(stick);
            var marks = Marks();
            var clock = Stopwatch.StartNew();
            var resumedAt = TimeSpan.Zero;
            var resumed = _mesh["laptop"].WaitForLineAsync(l => l.Contains("The session with ", StringComparison.Ordinal) && l.Contains(" resumed", StringComparison.Ordinal), Settle, marks["laptop"])
                .ContinueWith(seen =>
                {
                    resumedAt = clock.Elapsed;
                    return seen;
                }, TaskScheduler.Default).Unwrap();
            Task? restore = null;
            var cutAt = TimeSpan.Zero;
            var restoredAt = TimeSpan.Zero;
            var longestWrite = TimeSpan.Zero;
            for (var chunk = 0; chunk < PatternBytes / ChunkBytes; chunk++)
            {
                // A quarter in, with commands still to come: the next WRITE(10) meets the cut.
                if (chunk == PatternBytes / ChunkBytes / 4)
                {
                    Network.Cut("laptop");
                    cutAt = clock.Elapsed;
                    restore = Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5));
                        Network.Restore("laptop");
                        restoredAt = clock.Elapsed;
                    });
                }

                var started = clock.Elapsed;
                await blocks.WriteAsync(FirstLba + (uint)(chunk * ChunkBytes / BulkOnlyClient.BlockSize), pattern[(chunk * ChunkBytes)..((chunk + 1) * ChunkBytes)]);
                longestWrite = TimeSpan.FromTicks(Math.Max(longestWrite.Ticks, (clock.Elapsed - started).Ticks));
            }

            await restore!.WaitAsync(Settle);
            await resumed;
            output.WriteLine($"Link cut {restoredAt.TotalSeconds - cutAt.TotalSeconds:F1} s; the whole write took {clock.Elapsed.TotalSeconds:F1} s, "
                + $"its longest WRITE(10) {longestWrite.TotalSeconds:F1} s; the session resumed {(resumedAt - restoredAt).TotalSeconds:F1} s after the link returned.");

            // Read back through the same import: every block once, in place. A lost or repeated CBW or data stage would
            // already have failed the Bulk-Only exchange (each CSW names its command's tag).
            var read = new byte[PatternBytes];
            for (var chunk = 0; chunk < PatternBytes / ChunkBytes; chunk++)
            {
                (await blocks.ReadAsync(FirstLba + (uint)(chunk * ChunkBytes / BulkOnlyClient.BlockSize), ChunkBytes / BulkOnlyClient.BlockSize)).CopyTo(read, chunk * ChunkBytes);
            }

            Assert.Equal(SHA256.HashData(pattern), SHA256.HashData(read));
        }

        // Both nodes saw the lanes break and come back, and neither let the device go.
        var laptop = _mesh["laptop"].Stdout;
        var hub = _mesh["hub"].Stdout;
        Assert.Contains("lost its link", laptop);
        Assert.DoesNotContain(" is gone: ", laptop);
        Assert.Contains(" resumed", hub);
        Assert.DoesNotContain("did not come back within", hub);

        // The image file holds the pattern (read once the hub has let go of it: the gadget holds it exclusively).
        var image = ImagePath;
        await _mesh.KillAsync("hub");
        var written = new byte[PatternBytes];
        await using (var file = File.OpenRead(image))
        {
            file.Seek(FirstLba * BulkOnlyClient.BlockSize, SeekOrigin.Begin);
            await file.ReadExactlyAsync(written);
        }

        Assert.Equal(SHA256.HashData(pattern), SHA256.HashData(written));
    }

    [NetnsFact]
    public async Task A_cut_beyond_the_grace_period_unplugs_the_device_on_both_nodes_and_it_can_be_imported_again()
    {
        var busId = await StartPairAsync(gracePeriod: "4s");
        await using var forwarder = NamespaceForwarder.Start(Network.NamespaceOf("laptop"), LaptopUsbipd);
        var block = new byte[ChunkBytes];
        new Random(32).NextBytes(block);

        var marks = Marks();
        var clock = Stopwatch.StartNew();
        TimeSpan gone;
        TimeSpan released;
        await using (var stick = await ImportAsync(forwarder.Endpoint, busId))
        {
            await BulkOnlyClient.For(stick).WriteAsync(FirstLba, block);

            Network.Cut("laptop");
            clock.Restart();
            // A data stage that waits for a command: pending at the laptop when the grace period ends.
            var pending = stick.SubmitAsync(UrbRequest.BulkIn(1, BulkOnlyClient.BlockSize), CancellationToken.None);
            var result = await pending.WaitAsync(Settle);
            gone = clock.Elapsed;
            Assert.Equal(UrbStatus.DeviceGone, result.Status);

            await _mesh["laptop"].WaitForLineAsync(l => l.Contains(" is gone: no link within the grace period of 4 s", StringComparison.Ordinal), Settle, marks["laptop"]);
            await _mesh["hub"].WaitForLineAsync(l => l.Contains("did not come back within 4 s; the lease is released", StringComparison.Ordinal), Settle, marks["hub"]);
            released = clock.Elapsed;
        }

        Network.Restore("laptop");
        var restored = Stopwatch.StartNew();
        await using (var again = await ImportAsync(forwarder.Endpoint, busId))
        {
            var blocks = BulkOnlyClient.For(again);
            Assert.Equal(block, await blocks.ReadAsync(FirstLba, ChunkBytes / BulkOnlyClient.BlockSize));
        }

        output.WriteLine($"After the cut: the pending URB ended DeviceGone at {gone.TotalSeconds:F1} s, both logs told by {released.TotalSeconds:F1} s; "
            + $"imported again {restored.Elapsed.TotalSeconds:F1} s after the link returned.");
    }

    private NetworkNamespaces Network => _network ?? throw new InvalidOperationException("InitializeAsync has not run");

    private string ImagePath => Path.Combine(_mesh.StateDirectoryOf("hub"), "stick.img");

    /// <summary>Starts both daemons and returns the bus id the laptop's usbipd endpoint offers the hub's stick under.</summary>
    private async Task<string> StartPairAsync(string? gracePeriod)
    {
        var grace = gracePeriod is null ? "" : $"sessions.grace-period = {gracePeriod}";
        var shared = $$"""
            usbmesh {
              mesh.down-unreachable-after = 20s
              {{grace}}
            }
            """;
        var seed = $"{Network.AddressOf("hub")}:7240";
        _mesh.Start(new MeshNodeSpec("hub", seed, ["laptop"], [seed],
            ["{ type = mass-storage, name = stick, image = \"stick.img\", size = 8 MiB, share-with = [laptop] }"], Network.LauncherOf("hub"), shared));
        _mesh.Start(new MeshNodeSpec("laptop", $"{Network.AddressOf("laptop")}:7240", ["hub"], [seed], [], Network.LauncherOf("laptop"),
            shared + $$"""

            usbmesh.usbipd { enabled = on, endpoint = "{{LaptopUsbipd}}" }
            """));

        var created = await _mesh["hub"].WaitForLineAsync(l => l.Contains("Gadget stick ", StringComparison.Ordinal) && l.Contains(" created as ", StringComparison.Ordinal), Settle);
        await _mesh["laptop"].WaitForLineAsync(l => l.Contains("The mesh shows this node 1 device(s)", StringComparison.Ordinal), Settle);
        return "hub:" + created[(created.LastIndexOf(" created as ", StringComparison.Ordinal) + 12)..].Trim();
    }

    /// <summary>Imports through the laptop's endpoint, again until it offers the device (its view of the mesh may lag).</summary>
    private async Task<UsbIpClientBackend> ImportAsync(IPEndPoint endpoint, string busId)
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

    private Dictionary<string, int> Marks() => Nodes.ToDictionary(n => n, n => _mesh[n].OutputMark);
}
