using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Usbipd;
using UsbipdProtocol = UsbMesh.Usbipd.Usbipd;

namespace UsbMesh.Bench.Kernel;

/// <summary>
/// <c>kernel [rounds]</c>: a <c>dd</c> read through the guest kernel's vhci in QEMU, of a UsbMesh stick exported by this
/// process, beside the same read of QEMU's emulated stick exported by the guest kernel's own USB/IP (usbip-host and
/// usbipd in the guest, reached through a host port forward and attached by the same guest's vhci). One guest boot;
/// the two paths alternate, so a change in outside load hits both. The ratio UsbMesh ÷ kernel is what counts: under
/// TCG both are slow.
/// </summary>
/// <remarks>
/// The guest runs <c>tests/qemu/run-guest.sh</c> (the initramfs of the QEMU tests). Both images are 64 MiB with the
/// same non-zero content, so the guest also checks that both paths read the same first MiB.
/// </remarks>
internal static partial class KernelUsbIpBench
{
    private const long ImageSize = 64L * 1024 * 1024;
    private const int ReadMiB = 48;
    private const string BusId = "100-1";
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(420);

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 3;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        var scripts = FindScripts();
        var work = Directory.CreateTempSubdirectory("usbmesh-kbench-");
        ActorSystem? system = null;
        try
        {
            // Two images with the same non-zero content: one for the UsbMesh gadget, one for QEMU's usb-storage.
            var content = new byte[ImageSize];
            new Random(20261121).NextBytes(content);
            for (var i = 0; i < content.Length; i++)
            {
                content[i] |= 1;
            }

            var nodeImage = Path.Combine(work.FullName, "usbmesh.img");
            var qemuImage = Path.Combine(work.FullName, "qemu-stick.img");
            await File.WriteAllBytesAsync(nodeImage, content).ConfigureAwait(false);
            await File.WriteAllBytesAsync(qemuImage, content).ConfigureAwait(false);
            var firstMiB = Convert.ToHexStringLower(SHA256.HashData(content.AsSpan(0, 1024 * 1024)));

            system = KernelSystems.Create("kernel-bench");
            var exports = system.ActorOf(ExportsActor.Props(), "exports");
            var stick = GadgetFactory.Create(new MassStorageSettings("stick", nodeImage, ImageSize));
            var stickActor = system.ActorOf(UsbDeviceActor.Props(stick), "stick");
            await exports.Ask<Exports.Registered>(
                new Exports.Register(new ExportedDevice(BusId, $"/sys/devices/usbmesh/gadgets/{BusId}", 100, 1, stickActor)),
                AskLimit).ConfigureAwait(false);
            var settings = UsbipdSettings.Default with { Enabled = true, Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };
            var listener = system.ActorOf(UsbipdListener.Props(exports, settings), "usbipd");
            var nodePort = (await listener.Ask<UsbipdProtocol.Bound>(UsbipdProtocol.GetBinding.Instance, AskLimit)
                .ConfigureAwait(false)).Endpoint!.Port;
            var forwardPort = FreePort();

            Console.WriteLine($"# USB/IP through a real kernel (QEMU): {rounds} rounds, dd {ReadMiB} MiB iflag=direct per read");
            Console.WriteLine($"# UsbMesh usbipd on 127.0.0.1:{nodePort}; host 127.0.0.1:{forwardPort} -> guest usbipd :3240");
            Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, accel {Environment.GetEnvironmentVariable("USBMESH_QEMU_ACCEL") ?? "tcg"}, load average before: {LoadAverage.Read()}");

            await File.WriteAllTextAsync(
                Path.Combine(work.FullName, "run.sh"), GuestScript(forwardPort, nodePort, rounds).ReplaceLineEndings("\n")).ConfigureAwait(false);
            var output = await RunGuestAsync(scripts, work.FullName, forwardPort, qemuImage).ConfigureAwait(false);
            var clean = output.Contains("USBMESH-QEMU-EXIT=0", StringComparison.Ordinal);

            var samples = Samples(output);
            var kernel = samples.Where(s => s.Path == "kernel").ToList();
            var mesh = samples.Where(s => s.Path == "usbmesh").ToList();
            var sums = Regex.Matches(output, @"^KBENCH-SHA path=(\w+) sha=([0-9a-f]+)", RegexOptions.Multiline)
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            Console.WriteLine();
            foreach (var line in output.Split('\n').Where(l => l.StartsWith("KBENCH-INFO", StringComparison.Ordinal)))
            {
                Console.WriteLine("# " + line.TrimEnd());
            }

            Console.WriteLine($"# first MiB sha256: expected {firstMiB[..16]}…, kernel {Short(sums, "kernel")}, usbmesh {Short(sums, "usbmesh")}");
            var contentOk = sums.GetValueOrDefault("kernel") == firstMiB && sums.GetValueOrDefault("usbmesh") == firstMiB;
            if (!clean || kernel.Count == 0 || mesh.Count == 0 || !contentOk)
            {
                Console.WriteLine(output);
                Console.WriteLine($"# FAILED: guest exit clean={clean}, samples kernel={kernel.Count} usbmesh={mesh.Count}, content ok={contentOk}");
                return 1;
            }

            Console.WriteLine();
            Console.WriteLine("| Round | Kernel's own USB/IP export (MB/s) | UsbMesh (MB/s) | UsbMesh ÷ kernel |");
            Console.WriteLine("| ---: | ---: | ---: | ---: |");
            for (var i = 0; i < Math.Max(kernel.Count, mesh.Count); i++)
            {
                var k = i < kernel.Count ? kernel[i].MBps : double.NaN;
                var m = i < mesh.Count ? mesh[i].MBps : double.NaN;
                Console.WriteLine(FormattableString.Invariant($"| {i + 1} | {k:F1} | {m:F1} | {m / k:F2} |"));
            }

            var km = Median(kernel.Select(s => s.MBps));
            var mm = Median(mesh.Select(s => s.MBps));
            Console.WriteLine(FormattableString.Invariant($"| **median** | **{km:F1}** | **{mm:F1}** | **{mm / km:F2}** |"));
            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant($"# target UsbMesh ÷ kernel >= 1.0: {(mm / km >= 1.0 ? "met" : "NOT met")} ({mm / km:F2}); load average after: {LoadAverage.Read()}"));
            return 0;
        }
        finally
        {
            KernelSystems.Shutdown(system);
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string Short(Dictionary<string, string> sums, string key) =>
        sums.TryGetValue(key, out var v) ? (v.Length > 16 ? v[..16] + "…" : v) : "none";

    private sealed record Sample(string Path, int Round, long Bytes, long Nanoseconds)
    {
        public double MBps => Bytes / 1e6 / (Nanoseconds / 1e9);
    }

    private static List<Sample> Samples(string output) =>
        SampleLine().Matches(output)
            .Select(m => new Sample(
                m.Groups[1].Value,
                int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture)))
            .Where(s => s.Round > 0)
            .ToList();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<string> RunGuestAsync(string scripts, string work, int forwardPort, string qemuImage)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in new[]
        {
            Path.Combine(scripts, "run-guest.sh"), "--timeout", ((int)GuestLimit.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "--memory", "512", "--share", work + ":usbmesh", "--script", "/mnt/usbmesh/run.sh",
            "--hostfwd", $"tcp:127.0.0.1:{forwardPort}-:3240", "--xhci", "--device", "usb-storage,drive=stick",
            "--", "-drive", $"if=none,id=stick,file={qemuImage},format=raw",
        })
        {
            psi.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            line = line.TrimEnd('\r');
            lock (output)
            {
                output.AppendLine(line);
            }

            if (Environment.GetEnvironmentVariable("USBMESH_KBENCH_VERBOSE") == "1" || line.StartsWith("KBENCH", StringComparison.Ordinal)
                || line.StartsWith("STEP", StringComparison.Ordinal) || line.StartsWith("GUEST-FAIL", StringComparison.Ordinal))
            {
                Console.Error.WriteLine("guest: " + line);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(GuestLimit + TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        process.WaitForExit();
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string GuestScript(int forwardPort, int nodePort, int rounds) => $$"""
        set -u
        KPORT={{forwardPort}}
        NPORT={{nodePort}}
        HOST=10.0.2.2
        MB={{ReadMiB}}
        ROUNDS={{rounds}}
        step() { echo "STEP $1 uptime=$(cut -d' ' -f1 /proc/uptime)"; }
        fail() { echo "GUEST-FAIL: $*"; usbip port; dmesg | tail -n 60; exit 1; }
        now() {
          t=$(date +%s%N)
          case "$t" in *N*|"") t=$(awk '{printf "%.0f", $1*1000000000}' /proc/uptime) ;; esac
          echo $t
        }
        vhci_disks() {
          for b in /sys/block/sd*; do
            [ -e "$b" ] || continue
            case "$(readlink -f $b)" in *vhci_hcd*) [ "$(cat $b/size)" -gt 0 ] && basename $b ;; esac
          done
        }
        wait_new_vhci_disk() {
          i=0
          while [ $i -lt 160 ]; do
            for d in $(vhci_disks); do [ "$d" != "$1" ] && [ -b /dev/$d ] && { echo $d; return 0; }; done
            sleep 0.25; i=$((i+1))
          done
          return 1
        }
        info() {
          d=$1; p=$(readlink -f /sys/block/$d/device)
          u=$p; while [ -n "$u" ] && [ ! -f "$u/speed" ]; do u=${u%/*}; done
          echo "KBENCH-INFO path=$2 disk=$d speed=$(cat $u/speed 2>/dev/null)M max_sectors_kb=$(cat /sys/block/$d/queue/max_sectors_kb) max_hw_sectors_kb=$(cat /sys/block/$d/queue/max_hw_sectors_kb) nr_requests=$(cat /sys/block/$d/queue/nr_requests) queue_depth=$(cat /sys/block/$d/device/queue_depth 2>/dev/null) product=$(cat $u/product 2>/dev/null | tr ' ' _)"
        }
        read_disk() {
          echo 3 > /proc/sys/vm/drop_caches
          t0=$(now)
          dd if=/dev/$1 of=/dev/null bs=1M count=$3 iflag=direct 2>/tmp/dd.err || { cat /tmp/dd.err; fail "dd $1"; }
          t1=$(now)
          echo "KBENCH path=$2 round=$4 bytes=$(($3*1048576)) ns=$((t1-t0))"
        }

        echo 1 > /proc/sys/kernel/printk
        step start
        modprobe usbip-host || fail "modprobe usbip-host"
        modprobe vhci-hcd || fail "modprobe vhci-hcd"
        BUSID=""
        i=0
        while [ -z "$BUSID" ] && [ $i -lt 80 ]; do
          for d in /sys/bus/usb/devices/*; do
            [ -f $d/idVendor ] && [ "$(cat $d/idVendor)" = 46f4 ] && BUSID=$(basename $d)
          done
          [ -n "$BUSID" ] || sleep 0.25; i=$((i+1))
        done
        [ -n "$BUSID" ] || fail "QEMU's stick (46f4) did not enumerate"
        echo "KBENCH-INFO qemu-stick busid=$BUSID product=$(cat /sys/bus/usb/devices/$BUSID/product | tr ' ' _) speed=$(cat /sys/bus/usb/devices/$BUSID/speed)M"
        usbipd -D || fail "usbipd -D"
        sleep 0.5
        usbip bind -b $BUSID || fail "usbip bind"
        step attach-kernel
        usbip --tcp-port $KPORT attach -r $HOST -b $BUSID || fail "attach the kernel's export through the forward"
        KDISK=$(wait_new_vhci_disk none) || fail "no disk from the kernel's export"
        step attach-usbmesh
        usbip --tcp-port $NPORT attach -r $HOST -b {{BusId}} || fail "attach UsbMesh"
        NDISK=$(wait_new_vhci_disk $KDISK) || fail "no disk from UsbMesh"
        usbip port
        info $KDISK kernel
        info $NDISK usbmesh
        echo "KBENCH-SHA path=kernel sha=$(dd if=/dev/$KDISK bs=1M count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
        echo "KBENCH-SHA path=usbmesh sha=$(dd if=/dev/$NDISK bs=1M count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
        step warmup
        read_disk $KDISK kernel 8 0
        read_disk $NDISK usbmesh 8 0
        r=1
        while [ $r -le $ROUNDS ]; do
          step round-$r
          if [ $((r % 2)) -eq 1 ]; then
            read_disk $KDISK kernel $MB $r
            read_disk $NDISK usbmesh $MB $r
          else
            read_disk $NDISK usbmesh $MB $r
            read_disk $KDISK kernel $MB $r
          fi
          r=$((r+1))
        done
        step detach
        for p in $(usbip port 2>/dev/null | sed -n 's/^Port \([0-9][0-9]*\):.*/\1/p'); do usbip detach -p $p; done
        step done
        """;

    private static string FindScripts()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "qemu");
                if (File.Exists(Path.Combine(candidate, "run-guest.sh")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException("tests/qemu/run-guest.sh not found above the working directory");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^KBENCH path=(\w+) round=(\d+) bytes=(\d+) ns=(\d+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
