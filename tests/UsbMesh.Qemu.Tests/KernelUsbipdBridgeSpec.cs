using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UsbMesh.Actors;
using UsbMesh.Configuration;
using UsbMesh.Devices;
using UsbMesh.Node;
using UsbMesh.Usb;
using UsbMesh.Usbipd;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// Bridging meets the real kernel server: the guest binds QEMU's emulated usb-storage stick to usbip-host and serves
/// it with Linux's own usbipd; a node in the test process bridges it from there and offers it on its own usbipd
/// endpoint, where a USB/IP client reads every block and writes some. The blocks read are the stick's image file,
/// and the blocks written are in it once the guest has powered off.
/// </summary>
public sealed class KernelUsbipdBridgeSpec(ITestOutputHelper output)
{
    private const int StickBytes = 8 * 1024 * 1024;
    private const int BlockSize = 512;
    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(120);

    private const string GuestScript = $$"""
        {{GuestSteps.ShellFunctions}}
        modprobe usbip-host || exit 11
        stick() { for d in /sys/bus/usb/devices/*; do [ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 46f4:0001 ] && basename "$d"; done | head -1; }
        wait_for '[ -n "$(stick)" ]' 100 || { echo "no stick"; exit 12; }
        b=$(stick)
        usbipd -D || exit 20
        usbip bind -b "$b" || exit 21
        value BUSID "$b"
        step bound
        await_host done
        usbip unbind -b "$b"
        killall usbipd
        sync
        """;

    [QemuFact]
    public async Task A_node_bridges_a_stick_served_by_the_kernels_usbip_host_and_usbipd()
    {
        var directory = Directory.CreateTempSubdirectory("usbmesh-bridge-qemu-");
        try
        {
            var imagePath = Path.Combine(directory.FullName, "stick.img");
            var image = new byte[StickBytes];
            new Random(21).NextBytes(image);

            // No partition table: the guest's own usb-storage driver finds nothing to read there.
            Array.Clear(image, 0, BlockSize);
            await File.WriteAllBytesAsync(imagePath, image);
            var forwarded = FreeLoopbackPort();

            await using var guest = await QemuGuest.StartAsync(
                new QemuGuestOptions
                {
                    Script = GuestScript,
                    Timeout = GuestLimit,
                    Xhci = true,
                    MemoryMb = 768,
                    HostForwards = [$"tcp:127.0.0.1:{forwarded}-:3240"],
                    Devices = ["usb-storage,drive=stick,bus=xhci.0,id=stick,serial=USBMESH-BRIDGE"],
                    ExtraQemuArguments = ["-drive", $"if=none,id=stick,file={imagePath},format=raw"],
                },
                Log);
            await guest.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            await GuestSteps.WaitForStepAsync(guest, "bound", StepLimit);
            var busId = GuestSteps.Values(guest.Output)["BUSID"];
            var bridgedBusId = "br1-" + busId;

            var node = BuildNode(directory.FullName, forwarded, busId);
            await node.StartAsync().WaitAsync(StepLimit);
            try
            {
                var service = node.Services.GetRequiredService<ActorSystemService>();
                await GuestSteps.WaitUntilAsync(() => IsExported(service.Exports, bridgedBusId), StepLimit, $"the node to offer {bridgedBusId}", guest);
                var usbipd = (await service.Usbipd.Ask<Usbipd.Usbipd.Bound>(Usbipd.Usbipd.GetBinding.Instance, StepLimit)).Endpoint!;

                await using (var stick = await UsbIpClientBackend.ImportAsync(usbipd, bridgedBusId))
                {
                    Assert.Equal((0x46f4, 0x0001), (stick.Device.VendorId, stick.Device.ProductId));
                    // usbip-host unconfigures the device it binds (the generic driver lets go of it): a host configures
                    // it first, and the stub carries that out.
                    Assert.Equal(0, stick.ActiveConfigurationValue);
                    await stick.SetConfigurationAsync(1);
                    var watch = Stopwatch.StartNew();
                    var read = await ReadAllAsync(stick);
                    Log($"{StickBytes >> 20} MiB read through usbip-host -> bridge -> usbipd endpoint in {watch.Elapsed.TotalSeconds:F1} s");
                    Assert.Equal(SHA256.HashData(image), SHA256.HashData(read));

                    var written = new byte[128 * BlockSize];
                    new Random(22).NextBytes(written);
                    await WriteAsync(stick, 4096, written);
                    written.CopyTo(image, 4096 * BlockSize);
                    Assert.Equal(written, await ReadAsync(stick, 4096, 128));
                }
            }
            finally
            {
                await node.StopAsync().WaitAsync(StepLimit);
                node.Dispose();
            }

            await GuestSteps.GoAsync(guest, "done");
            var result = await guest.WaitAsync();
            Assert.False(result.TimedOut, "the guest timed out:\n" + result.Output);
            Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");

            // QEMU wrote the blocks to the image file.
            Assert.Equal(SHA256.HashData(image), SHA256.HashData(await File.ReadAllBytesAsync(imagePath)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static IHost BuildNode(string stateDirectory, int serverPort, string busId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString($$"""
            usbmesh {
              listen.endpoints = ["127.0.0.1:0"]
              node { name = bridge, state-directory = "{{stateDirectory}}" }
              logging.console.enabled = off
              usb-host.enabled = off
              bridges = [ { server = "127.0.0.1:{{serverPort}}", devices = ["{{busId}}"], reconnect-interval = 500ms } ]
              usbipd { enabled = on, endpoint = "127.0.0.1:0" }
              coordinated-shutdown.default-phase-timeout = 2s
            }
            """, "bridge.conf"));
        return builder.Build();
    }

    private static bool IsExported(IActorRef exports, string busId) =>
        exports.Ask<Exports.Devices>(Exports.List.Instance, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult().Items.Any(d => d.BusId == busId);

    private static async Task<byte[]> ReadAllAsync(IUsbDeviceBackend stick)
    {
        const ushort chunk = 128;
        var all = new byte[StickBytes];
        for (uint lba = 0; lba < StickBytes / BlockSize; lba += chunk)
        {
            (await ReadAsync(stick, lba, chunk)).CopyTo(all, lba * BlockSize);
        }

        return all;
    }

    /// <summary>SCSI READ(10) over Bulk-Only Transport: CBW on bulk OUT 2, data on bulk IN 1, CSW.</summary>
    private static async Task<byte[]> ReadAsync(IUsbDeviceBackend stick, uint lba, ushort blocks)
    {
        await CommandAsync(stick, blocks * BlockSize, dataIn: true, [0x28, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0]);
        var data = await RunAsync(stick, UrbRequest.BulkIn(1, blocks * BlockSize));
        await StatusAsync(stick);
        return data.InData.ToArray();
    }

    private static async Task WriteAsync(IUsbDeviceBackend stick, uint lba, byte[] data)
    {
        var blocks = (ushort)(data.Length / BlockSize);
        await CommandAsync(stick, data.Length, dataIn: false, [0x2A, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0]);
        await RunAsync(stick, UrbRequest.BulkOut(2, data));
        await StatusAsync(stick);
    }

    private static async Task CommandAsync(IUsbDeviceBackend stick, int length, bool dataIn, byte[] cdb)
    {
        var cbw = new byte[31];
        BinaryPrimitives.WriteUInt32LittleEndian(cbw, 0x43425355);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(8), (uint)length);
        cbw[12] = dataIn ? (byte)0x80 : (byte)0;
        cbw[14] = (byte)cdb.Length;
        cdb.CopyTo(cbw, 15);
        await RunAsync(stick, UrbRequest.BulkOut(2, cbw));
    }

    private static async Task StatusAsync(IUsbDeviceBackend stick)
    {
        var csw = (await RunAsync(stick, UrbRequest.BulkIn(1, 13))).InData.ToArray();
        Assert.Equal(13, csw.Length);
        Assert.Equal(0x53425355u, BinaryPrimitives.ReadUInt32LittleEndian(csw));
        Assert.Equal(0, csw[12]);
    }

    private static async Task<UrbResult> RunAsync(IUsbDeviceBackend stick, UrbRequest request)
    {
        var result = await stick.SubmitAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Status == UrbStatus.Completed, $"{request.TransferType} to 0x{request.EndpointAddress:x2} ended {result.Status}");
        return result;
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void Log(string line) => output.WriteLine(line);
}
