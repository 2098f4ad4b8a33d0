using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UsbMesh.Actors;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Usb;
using UsbMesh.Usbipd;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Node.Tests.Bridges;

/// <summary>
/// Two nodes on real sockets: the exporter offers an emulated stick on its usbipd endpoint, the bridge imports it
/// from there and offers it on its own endpoint, where a USB/IP client moves blocks through both.
/// </summary>
public sealed class BridgeSpec : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private const int ImageBytes = 4 * 1024 * 1024;
    private const string BridgedBusId = "br1-100-1";
    private readonly TempDirectory _exporterDirectory = new();
    private readonly TempDirectory _bridgeDirectory = new();

    public void Dispose()
    {
        _exporterDirectory.Dispose();
        _bridgeDirectory.Dispose();
    }

    private string ImagePath => Path.Combine(_exporterDirectory.Path, "stick.img");

    private IHost Exporter(int usbipdPort) => Build("exporter.conf", $$"""
        usbmesh {
          listen.endpoints = ["127.0.0.1:0"]
          node { name = exporter, state-directory = "{{_exporterDirectory.Path}}" }
          logging.console.enabled = off
          gadgets = [ { type = mass-storage, name = stick, image = "stick.img", size = 4 MiB } ]
          usbipd { enabled = on, endpoint = "127.0.0.1:{{usbipdPort}}" }
          coordinated-shutdown.default-phase-timeout = 2s
        }
        """);

    private IHost Bridge(int serverPort) => Build("bridge.conf", $$"""
        usbmesh {
          listen.endpoints = ["127.0.0.1:0"]
          node { name = bridge, state-directory = "{{_bridgeDirectory.Path}}" }
          logging {
            console.enabled = off
            file { path = node.log, format = text, rolling = infinite }
          }
          bridges = [ { server = "127.0.0.1:{{serverPort}}", devices = ["100-1"], reconnect-interval = 200ms } ]
          usbipd { enabled = on, endpoint = "127.0.0.1:0" }
          coordinated-shutdown.default-phase-timeout = 2s
        }
        """);

    [Fact]
    public async Task A_bridged_stick_reads_and_writes_through_both_nodes_and_follows_its_server_away_and_back()
    {
        var image = new byte[ImageBytes];
        new Random(13).NextBytes(image);
        await File.WriteAllBytesAsync(ImagePath, image);
        var serverPort = FreePorts.Loopback();

        var exporter = Exporter(serverPort);
        await exporter.StartAsync().WaitAsync(Bound);
        using var bridge = Bridge(serverPort);
        await bridge.StartAsync().WaitAsync(Bound);
        try
        {
            var node = bridge.Services.GetRequiredService<ActorSystemService>();
            await WaitUntilAsync(async () => await IsExportedAsync(node.Exports));
            var endpoint = new IPEndPoint(IPAddress.Loopback, await BoundPortAsync(node.Usbipd));

            await using (var stick = await UsbIpClientBackend.ImportAsync(endpoint, BridgedBusId))
            {
                Assert.Equal((0x1209, 0x0002), (stick.Device.VendorId, stick.Device.ProductId));
                var blocks = BulkOnlyClient.For(stick);

                // Every block, read through the bridge, is the exporter's image.
                Assert.Equal(SHA256.HashData(image), SHA256.HashData(await ReadAllAsync(blocks)));

                // Blocks written through the bridge read back the same.
                var written = new byte[256 * BulkOnlyClient.BlockSize];
                new Random(14).NextBytes(written);
                await blocks.WriteAsync(1000, written);
                written.CopyTo(image, 1000 * BulkOnlyClient.BlockSize);
                Assert.Equal(written, await blocks.ReadAsync(1000, 256));

                // The exporter stops: the bridged device goes, and what the client had goes with it.
                await exporter.StopAsync().WaitAsync(Bound);
                exporter.Dispose();
                await stick.Closed.WaitAsync(Bound);
                Assert.Equal(UrbStatus.DeviceGone, (await stick.SubmitAsync(UrbRequest.BulkIn(1, 512), default)).Status);
                await WaitUntilAsync(async () => !await IsExportedAsync(node.Exports));
            }

            // The writes reached the exporter's image.
            Assert.Equal(SHA256.HashData(image), SHA256.HashData(await File.ReadAllBytesAsync(ImagePath)));

            // The exporter comes back: so does the bridged device, with the same blocks.
            exporter = Exporter(serverPort);
            await exporter.StartAsync().WaitAsync(Bound);
            await WaitUntilAsync(async () => await IsExportedAsync(node.Exports));
            await using (var stick = await UsbIpClientBackend.ImportAsync(endpoint, BridgedBusId))
            {
                Assert.Equal(SHA256.HashData(image), SHA256.HashData(await ReadAllAsync(BulkOnlyClient.For(stick))));
            }

            // Each step was logged once.
            var log = await ReadLogAsync();
            Assert.Equal(2, Count(log, "imported 100-1 (1209:0002, high speed), offered as br1-100-1"));
            Assert.Equal(1, Count(log, "100-1 (br1-100-1) is gone"));
        }
        finally
        {
            await bridge.StopAsync().WaitAsync(Bound);
            await exporter.StopAsync().WaitAsync(Bound);
            exporter.Dispose();
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_logged_once_and_tried_again()
    {
        using var bridge = Bridge(FreePorts.Loopback());
        await bridge.StartAsync().WaitAsync(Bound);
        try
        {
            // Rounds every 200 ms for a second: one line says the server cannot be reached.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var log = await ReadLogAsync();
            Assert.Equal(1, Count(log, "cannot list the server's devices"));
            Assert.False(await IsExportedAsync(bridge.Services.GetRequiredService<ActorSystemService>().Exports));
        }
        finally
        {
            await bridge.StopAsync().WaitAsync(Bound);
        }
    }

    private static async Task<byte[]> ReadAllAsync(BulkOnlyInitiator blocks)
    {
        const ushort chunk = 128;
        var all = new byte[ImageBytes];
        for (uint lba = 0; lba < ImageBytes / BulkOnlyClient.BlockSize; lba += chunk)
        {
            (await blocks.ReadAsync(lba, chunk)).CopyTo(all, lba * BulkOnlyClient.BlockSize);
        }

        return all;
    }

    private static IHost Build(string name, string text)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString(text, name));
        return builder.Build();
    }

    private static async Task<bool> IsExportedAsync(IActorRef exports) =>
        (await exports.Ask<Exports.Devices>(Exports.List.Instance, Bound)).Items.Any(d => d.BusId == BridgedBusId);

    private static async Task<int> BoundPortAsync(IActorRef listener)
    {
        var port = 0;
        await WaitUntilAsync(async () =>
        {
            port = (await listener.Ask<Usbipd.Usbipd.Bound>(Usbipd.Usbipd.GetBinding.Instance, Bound)).Endpoint?.Port ?? 0;
            return port > 0;
        });
        return port;
    }

    private async Task<string> ReadLogAsync()
    {
        // The file sink writes as it goes; read it shared, as the node still has it open.
        await using var stream = new FileStream(Path.Combine(_bridgeDirectory.Path, "node.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Bound, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
