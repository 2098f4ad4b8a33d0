using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using UsbMesh.Configuration;
using UsbMesh.Mesh.Identity;
using UsbMesh.Node;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// A device of another node in a real kernel: a hub node in the test process exports an emulated stick, a daemon in
/// the guest joins it over QEMU's user network (the host is 10.0.2.2 there) and, by an import rule, attaches the
/// stick through the guest's vhci_hcd, where usb-storage makes it a disk. The guest writes and reads raw blocks in a
/// loop while the test cuts the guest's network link for 3 s with QEMU's monitor (<c>set_link</c>): the session's
/// lanes break and resume, every pass reads back what it wrote, the disk is never unplugged, and the blocks are in
/// the hub's image file.
/// </summary>
/// <remarks>
/// Both nodes probe a silent connection after 300 ms and close it after 1.5 s, so the 3 s cut really breaks the
/// session's lanes (with the defaults, TCP would just retransmit across it). The grace period is the default 10 s.
/// Connections may take 30 s to open: the guest's first TLS handshake runs cold code under emulation.
/// </remarks>
public sealed class MeshImportVhciSpec(ITestOutputHelper output)
{
    private const int PatternMiB = 4;
    private const int OffsetMiB = 4;
    // Under load, the daemon in the guest took ≈ 60 s to start and 30–36 s to join: the limits leave room for twice that.
    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(360);
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan Cut = TimeSpan.FromSeconds(3);

    // Each pass writes the same pattern at the same place and reads it back past the page cache, so a pass that the
    // cut stalls shows as a long one, and any pass that lost or repeated a block shows as a wrong checksum.
    private static readonly string GuestScript = $$"""
        {{GuestSteps.ShellFunctions}}
        set -u
        W=/mnt/usbmesh
        disks() { for b in /sys/block/sd*; do [ -e "$b" ] && echo "$(basename "$b") $(readlink -f "$b")"; done; }
        vhci_disk() { disks | grep vhci_hcd | cut -d' ' -f1 | head -1; }
        now() { cut -d' ' -f1 /proc/uptime; }
        pass() {
          t0=$(now)
          dd if=/tmp/pattern of="$disk" bs=64k seek={{OffsetMiB * 16}} conv=fsync 2>/dev/null || { echo "$t0 $(now) write-failed" >> $W/passes; return 1; }
          echo 3 > /proc/sys/vm/drop_caches
          got=$(dd if="$disk" bs=64k skip={{OffsetMiB * 16}} count={{PatternMiB * 16}} 2>/dev/null | sha256sum | cut -d' ' -f1)
          echo "$t0 $(now) $got" >> $W/passes
        }

        modprobe vhci-hcd || exit 10
        cp /mnt/cfg/guest.key /tmp/guest.key && chmod 600 /tmp/guest.key || exit 11
        dd if=/dev/urandom of=/tmp/pattern bs=1M count={{PatternMiB}} 2>/dev/null || exit 12
        cp /tmp/pattern $W/pattern.bin
        value PATTERN-SHA "$(sha256sum /tmp/pattern | cut -d' ' -f1)"
        usbmesh-hostroot -- {{GuestDaemon.PathInChroot}} --config /run/usbmesh/cfg/guest.conf > $W/node.log 2>&1 &
        node=$!
        wait_for '[ -n "$(vhci_disk)" ]' 1200 || { echo "the stick never became a disk"; cat $W/node.log; exit 20; }
        disk=/dev/$(vhci_disk)
        value DISK "$disk"
        value DISK-PATH "$(readlink -f /sys/block/$(vhci_disk))"
        dmesg -c > $W/dmesg-attached
        : > $W/passes
        ( after=0; while [ "$after" = 0 ]; do [ -e $W/go-restored ] && after=1; pass || exit 1; done ) &
        io=$!
        step io-running
        await_host restored
        wait "$io"
        value IO-EXIT $?
        value DISK-AFTER "/dev/$(vhci_disk)"
        value DISK-PATH-AFTER "$(readlink -f /sys/block/$(vhci_disk))"
        dmesg > $W/dmesg-end
        cp $W/node.log $W/node-before-stop.log
        kill -TERM "$node"
        wait_for "! kill -0 $node 2>/dev/null" 150 || kill -KILL "$node"
        exit 0
        """;

    [QemuFact]
    public async Task A_mesh_import_attached_through_the_guests_vhci_survives_a_cut_of_its_link_mid_transfer()
    {
        var directory = Directory.CreateTempSubdirectory("usbmesh-mesh-vhci-");
        try
        {
            var config = Directory.CreateDirectory(Path.Combine(directory.FullName, "cfg")).FullName;
            var state = Directory.CreateDirectory(Path.Combine(directory.FullName, "hub")).FullName;
            // Both ids are known before either node starts, so each configuration can trust the other.
            var hubKey = Path.Combine(directory.FullName, "hub.key");
            var hubId = NodeIdentity.LoadOrCreate(hubKey, out _).Id;
            var guestId = NodeIdentity.LoadOrCreate(Path.Combine(config, "guest.key"), out _).Id;
            var port = FreeLoopbackPort();
            await File.WriteAllTextAsync(Path.Combine(config, "guest.conf"), GuestConfig(port, hubId));

            using var hub = BuildHub(state, hubKey, port, guestId);
            await hub.StartAsync().WaitAsync(StepLimit);
            var hubLog = Path.Combine(state, "node.log");
            var stopped = false;
            try
            {
                await using var guest = await QemuGuest.StartAsync(
                    new QemuGuestOptions
                    {
                        Script = GuestScript,
                        Timeout = GuestLimit,
                        HostRoot = true,
                        Qmp = true,
                        MemoryMb = 1536,
                        // The daemon's threads run beside the kernel's, as on the small boards nodes run on.
                        Cpus = 2,
                        Shares = [(config, "cfg", false), GuestDaemon.Share()],
                    },
                    Log);
                await guest.Ready.WaitAsync(TimeSpan.FromSeconds(60));
                var nodeLog = Path.Combine(guest.WorkDirectory, "node.log");
                string GuestLog() => File.Exists(nodeLog) ? File.ReadAllText(nodeLog) : "";

                TimeSpan resumed;
                try
                {
                    await GuestSteps.WaitForStepAsync(guest, "io-running", StepLimit);
                    await guest.Monitor.HumanMonitorCommandAsync("set_link n0 off");
                    await Task.Delay(Cut);
                    await guest.Monitor.HumanMonitorCommandAsync("set_link n0 on");
                    var restored = Stopwatch.StartNew();
                    await GuestSteps.WaitUntilAsync(() => ReadShared(hubLog).Contains(" resumed", StringComparison.Ordinal), StepLimit, "the hub to log the session resumed", guest);
                    resumed = restored.Elapsed;
                    await GuestSteps.GoAsync(guest, "restored");
                }
                catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or QemuMonitorException)
                {
                    throw new Xunit.Sdk.XunitException($"{e.Message}\nguest node log:\n{GuestLog()}\nhub log:\n{ReadShared(hubLog)}");
                }

                var result = await guest.WaitAsync();
                Log("guest node log:\n" + GuestLog());
                Log("hub log:\n" + ReadShared(hubLog));
                Assert.False(result.TimedOut, "the guest timed out:\n" + result.Output);
                Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
                var values = GuestSteps.Values(result.Output);
                var work = guest.WorkDirectory;

                // Every pass, the one the cut stalled included, read back the pattern it wrote.
                var passes = File.ReadAllLines(Path.Combine(work, "passes")).Select(l => l.Split(' ')).ToList();
                var longest = passes.Max(p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture) - double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture));
                Log($"{passes.Count} passes of {PatternMiB} MiB written and read; the longest took {longest:F1} s (link cut {Cut.TotalSeconds:0} s); "
                    + $"the hub logged the session resumed {resumed.TotalSeconds:F1} s after the link returned");
                Assert.Equal("0", values["IO-EXIT"]);
                Assert.All(passes, p => Assert.Equal(values["PATTERN-SHA"], p[2]));
                Assert.True(longest >= Cut.TotalSeconds - 0.5, $"no pass spanned the cut: the longest took {longest:F1} s");

                // The disk never left: same node, same place in sysfs, and the kernel saw no disconnect.
                Assert.Equal(values["DISK"], values["DISK-AFTER"]);
                Assert.Equal(values["DISK-PATH"], values["DISK-PATH-AFTER"]);
                var kernelSince = File.ReadAllText(Path.Combine(work, "dmesg-end"));
                Assert.DoesNotContain("disconnect", kernelSince, StringComparison.OrdinalIgnoreCase);

                // The session broke and resumed on both nodes; the guest's daemon never detached or lost the device.
                var guestLog = File.ReadAllText(Path.Combine(work, "node-before-stop.log"));
                Assert.Contains("Attached hub:", guestLog);
                Assert.Contains("lost its link", guestLog);
                Assert.Contains(" resumed", guestLog);
                Assert.DoesNotContain("left vhci_hcd port", guestLog);
                Assert.DoesNotContain("Detached ", guestLog);
                Assert.DoesNotContain(" is gone: ", guestLog);
                Assert.DoesNotContain("did not come back within", ReadShared(hubLog));

                // The hub's image holds the pattern once it has let go of the file.
                await hub.StopAsync().WaitAsync(StepLimit);
                stopped = true;
                var pattern = await File.ReadAllBytesAsync(Path.Combine(work, "pattern.bin"));
                var image = new byte[pattern.Length];
                await using (var file = File.OpenRead(Path.Combine(state, "stick.img")))
                {
                    file.Seek((long)OffsetMiB << 20, SeekOrigin.Begin);
                    await file.ReadExactlyAsync(image);
                }

                Assert.Equal(SHA256.HashData(pattern), SHA256.HashData(image));
            }
            finally
            {
                if (!stopped)
                {
                    await hub.StopAsync().WaitAsync(StepLimit);
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string GuestConfig(int hubPort, NodeId hubId) => $$"""
        usbmesh {
          node { name = guest, state-directory = /tmp/usbmesh-node }
          identity.key-file = /tmp/guest.key
          listen.endpoints = []
          transports { enabled = [tls], heartbeat-interval = 300ms, idle-timeout = 1500ms, connect-timeout = 30s }
          mesh.seed-nodes = ["10.0.2.2:{{hubPort}}"]
          trust.peers = [ { name = hub, id = "{{hubId}}" } ]
          imports { attach-to = vhci, rules = [ { node = hub, match { } } ] }
          usb-host.enabled = off
          logging.console.format = text
        }
        """;

    private static IHost BuildHub(string state, string keyFile, int port, NodeId guestId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString($$"""
            usbmesh {
              node { name = hub, state-directory = "{{state}}" }
              identity.key-file = "{{keyFile}}"
              listen { endpoints = ["127.0.0.1:{{port}}"], advertise = ["10.0.2.2:{{port}}"] }
              transports { enabled = [tls], heartbeat-interval = 300ms, idle-timeout = 1500ms, connect-timeout = 30s }
              trust.peers = [ { name = guest, id = "{{guestId}}" } ]
              gadgets = [ { type = mass-storage, name = stick, image = "stick.img", size = 32 MiB, share-with = [guest] } ]
              usb-host.enabled = off
              logging {
                console.enabled = off
                file { path = node.log, format = text, rolling = infinite }
              }
              coordinated-shutdown.default-phase-timeout = 2s
            }
            """, "hub.conf"));
        return builder.Build();
    }

    /// <summary>A log the node still writes: read shared, as it has the file open.</summary>
    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished; xunit refuses late output.
        }
    }
}
