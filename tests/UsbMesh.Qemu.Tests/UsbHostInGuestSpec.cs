using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// Real USB devices through libusb: a UsbMesh node runs inside a guest whose kernel drives QEMU's emulated
/// usb-storage, usb-kbd, usb-serial and usb-audio on an xHCI controller. The node exports them through libusb, and
/// the guest's own vhci-hcd imports them with the stock <c>usbip</c> tool over the guest's loopback.
/// </summary>
/// <remarks>
/// One guest run proves, in order: the node lists every device with the IDs and interface classes the guest's sysfs
/// reports; the stick, attached through vhci, mounts and gives back a 16 MiB file with its checksum, while the local
/// usb-storage driver lets go of it and gets it back on detach; the read rate beside the kernel's own USB/IP export
/// of the same stick; a keyboard added and removed through QEMU's monitor becomes and stops being a device of the
/// node; the stick pulled out in the middle of a read ends the read with an error on the importing side, frees the
/// vhci port and leaves the node serving the other devices; the node stops cleanly on SIGTERM.
/// </remarks>
public sealed partial class UsbHostInGuestSpec(ITestOutputHelper output)
{
    private const int StickMiB = 64;
    private const int FileMiB = 16;
    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(120);

    [QemuFact]
    public async Task A_node_in_the_guest_exports_its_real_devices_through_libusb_to_the_kernels_vhci()
    {
        var mke2fs = new[] { "/usr/sbin/mke2fs", "/sbin/mke2fs" }.FirstOrDefault(File.Exists);
        Assert.True(mke2fs is not null, "mke2fs is needed to prepare the stick (apt install e2fsprogs)");
        var config = Directory.CreateTempSubdirectory("usbmesh-guest-cfg-");
        try
        {
            var expectedSha = PrepareStick(config.FullName, mke2fs);
            await File.WriteAllTextAsync(Path.Combine(config.FullName, "node.conf"), NodeConfig);

            await using var guest = await QemuGuest.StartAsync(
                new QemuGuestOptions
                {
                    Script = GuestScript(GuestDaemon.PathInChroot),
                    Timeout = GuestLimit,
                    HostRoot = true,
                    Qmp = true,
                    Xhci = true,
                    MemoryMb = 1536,
                    // Like the small boards the node runs on, the guest has more than one CPU: the node's threads
                    // (socket, actors, libusb events) then run beside the kernel's instead of taking turns.
                    Cpus = 2,
                    Shares = [(config.FullName, "cfg", false), GuestDaemon.Share()],
                    Devices =
                    [
                        "usb-storage,drive=stick,bus=xhci.0,id=stick,serial=USBMESH-STICK",
                        "usb-kbd,bus=xhci.0,id=kbd1",
                        "usb-serial,chardev=ser0,bus=xhci.0,id=ser1",
                        "usb-audio,audiodev=snd0,bus=xhci.0,id=audio1",
                    ],
                    ExtraQemuArguments =
                    [
                        "-drive", $"if=none,id=stick,file={Path.Combine(config.FullName, "stick.img")},format=raw",
                        "-chardev", $"file,id=ser0,path={Path.Combine(config.FullName, "serial.out")}",
                        "-audiodev", "none,id=snd0",
                    ],
                },
                Log);
            await guest.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            var nodeLog = Path.Combine(guest.WorkDirectory, "node.log");
            string NodeLog() => File.Exists(nodeLog) ? File.ReadAllText(nodeLog) : "";

            try
            {
                // Hotplug through QEMU's monitor: a second keyboard comes and goes.
                await GuestSteps.WaitForStepAsync(guest, "hotplug-add", StepLimit);
                await guest.Monitor.DeviceAddAsync("usb-kbd", "kbd2", new { bus = "xhci.0" });
                await GuestSteps.WaitUntilAsync(() => Arrivals(NodeLog(), "0627:0001") == 2, StepLimit, "the node to see the second keyboard", guest);
                await GuestSteps.GoAsync(guest, "hotplug-add");
                await GuestSteps.WaitForStepAsync(guest, "hotplug-del", StepLimit);
                await guest.Monitor.DeviceDelAsync("kbd2");
                await GuestSteps.WaitUntilAsync(() => Departures(NodeLog(), "0627:0001") == 1, StepLimit, "the node to see the keyboard leave", guest);
                await GuestSteps.GoAsync(guest, "hotplug-del");

                // The stick is pulled out while the guest reads it through vhci.
                await GuestSteps.WaitForStepAsync(guest, "unplug", StepLimit);
                await guest.Monitor.DeviceDelAsync("stick");
                await GuestSteps.WaitUntilAsync(() => Departures(NodeLog(), "46f4:0001") >= 1, StepLimit, "the node to see the stick leave", guest);
                await GuestSteps.GoAsync(guest, "unplug");
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or QemuMonitorException)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\nnode log:\n{NodeLog()}");
            }

            var result = await guest.WaitAsync();
            Log($"guest: boot {result.BootTime?.TotalSeconds:F1} s, total {result.Elapsed.TotalSeconds:F1} s, exit {result.ExitCode}");
            Log("node log:\n" + NodeLog());
            Assert.False(result.TimedOut, "the guest timed out:\n" + result.Output);
            Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
            var values = GuestSteps.Values(result.Output);
            var work = guest.WorkDirectory;

            // 1. Every device, as the guest's kernel knows it, is listed by the node with the same IDs and classes.
            // (Hubs excepted: QEMU puts its full-speed devices behind one, and a hub is shared through its devices.)
            var sysfs = values.Where(v => v.Key.StartsWith("SYSFS.", StringComparison.Ordinal) && !v.Value.Contains(" class=09 ", StringComparison.Ordinal))
                .ToDictionary(v => v.Key[6..], v => v.Value);
            Assert.Equal(4, sysfs.Count);
            var listed = ParseDeviceList(File.ReadAllText(Path.Combine(work, "list.txt")));
            foreach (var (busId, facts) in sysfs)
            {
                Assert.True(listed.TryGetValue(busId, out var device), $"{busId} ({facts}) is not in the node's list:\n{File.ReadAllText(Path.Combine(work, "list.txt"))}");
                Assert.StartsWith(device.VidPid + " ", facts, StringComparison.Ordinal);
                Assert.EndsWith("interfaces=" + string.Concat(device.InterfaceClasses.Order().Select(c => c + ",")), facts, StringComparison.Ordinal);
            }

            Assert.Contains(listed.Values, d => d.VidPid == "46f4:0001");
            Assert.Contains(listed.Values, d => d.VidPid == "0627:0001");
            Assert.Contains(listed.Values, d => d.VidPid == "0403:6001");
            Assert.Contains(listed.Values, d => d.InterfaceClasses.Contains("01")); // the audio device

            // 2. The stick's file comes back intact through libusb → node → vhci; the local driver let go and came back.
            Assert.Equal(expectedSha, values["READ-SHA"]);
            Assert.Equal("", values["LOCAL-DISK-WHILE-IMPORTED"]);
            Assert.Matches("^sd[a-z]$", values["LOCAL-DISK-AFTER-DETACH"]);

            // 3. Read rates of the same stick through UsbMesh and through the kernel's own USB/IP export.
            // Each path reads twice and keeps its better run: a read's request sizes (so its rate) depend on how the
            // guest's page cache happens to lie in memory, which neither path controls.
            var viaUsbMesh = Math.Max(Rate(values["DD-USBMESH"]), Rate(values["DD-USBMESH-AGAIN"]));
            var viaKernel = Math.Max(Rate(values["DD-KERNEL"]), Rate(values["DD-KERNEL-AGAIN"]));
            Log($"dd runs (MiB, start s, end s): kernel {values["DD-KERNEL"]} / {values["DD-KERNEL-AGAIN"]}, UsbMesh {values["DD-USBMESH"]} / {values["DD-USBMESH-AGAIN"]}");
            Log($"dd read of the {StickMiB} MiB stick through vhci: UsbMesh {viaUsbMesh:F1} MB/s, kernel usbip-host {viaKernel:F1} MB/s, "
                + $"ratio {viaUsbMesh / viaKernel:F2}");
            Assert.True(viaUsbMesh > 0 && viaKernel > 0);

            // 4. Hotplug: the keyboard added through the monitor was exported, and withdrawn when it left.
            var duringHotplug = ParseDeviceList(File.ReadAllText(Path.Combine(work, "list-hotplug.txt")));
            Assert.Equal(5, duringHotplug.Count);
            Assert.Equal(2, duringHotplug.Values.Count(d => d.VidPid == "0627:0001"));
            Assert.Equal(listed.Keys.Order(), ParseDeviceList(File.ReadAllText(Path.Combine(work, "list-after-hotplug.txt"))).Keys.Order());

            // 5. Pulled out mid-read: the reader got an error and ended, vhci let go, the node serves the rest.
            Assert.Equal("yes", values["READER-ENDED"]);
            Assert.Equal("yes", values["VHCI-DISK-GONE"]);
            Assert.Equal("yes", values["PORTS-FREE"]);
            var afterUnplug = ParseDeviceList(File.ReadAllText(Path.Combine(work, "list-after-unplug.txt")));
            Assert.DoesNotContain(afterUnplug.Values, d => d.VidPid == "46f4:0001");
            Assert.Equal(3, afterUnplug.Count);

            // 6. The node stopped cleanly and logged no error on the way.
            Assert.Equal("0", values["NODE-EXIT"]);
            Assert.DoesNotMatch(@"\[(ERR|FTL)\]", NodeLog());

            // 7. Devices this machine imports through vhci are never offered again (that would loop them back).
            Assert.Matches(@"USB device \S+ 46f4:0001 [^\n]* arrived: it is imported through this machine's vhci-hcd", NodeLog());
            Assert.DoesNotMatch(@"Exporting [3-9]-", NodeLog());
        }
        finally
        {
            config.Delete(recursive: true);
        }
    }

    private const string NodeConfig = """
        usbmesh {
          node.name = qemu-guest
          node.state-directory = /tmp/usbmesh-node
          usbipd { enabled = on, endpoint = "127.0.0.1:3240" }
          exports.rules = [ { match { } } ]
        }
        """;

    private static string GuestScript(string daemon) => GuestSteps.ShellFunctions + $$"""

        set -u
        W=/mnt/usbmesh
        H=usbmesh-hostroot
        disks() { for b in /sys/block/sd*; do [ -e "$b" ] && echo "$(basename "$b") $(readlink -f "$b")"; done; }
        vhci_disk() { disks | grep vhci_hcd | cut -d' ' -f1 | head -1; }
        local_disk() { disks | grep -v vhci_hcd | cut -d' ' -f1 | head -1; }
        read_rate() { echo 3 > /proc/sys/vm/drop_caches; t0=$(cut -d' ' -f1 /proc/uptime); dd if="$1" of=/dev/null bs=1M 2>/dev/null; t1=$(cut -d' ' -f1 /proc/uptime); echo "{{StickMiB}} $t0 $t1"; }

        modprobe vhci-hcd || exit 10
        modprobe usbip-host || exit 11
        $H --udev || exit 12
        for d in /sys/bus/usb/devices/*; do
          b=$(basename "$d"); case "$b" in *:*|usb*) continue ;; esac
          ifs=$(cat "$d"/"$b":*/bInterfaceClass 2>/dev/null | sort -u | tr '\n' ',')
          value "SYSFS.$b" "$(cat "$d/idVendor"):$(cat "$d/idProduct") class=$(cat "$d/bDeviceClass") speed=$(cat "$d/speed") interfaces=$ifs"
        done
        stick=$(for d in /sys/bus/usb/devices/*; do [ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 46f4:0001 ] && basename "$d"; done | head -1)
        value STICK "$stick"
        wait_for '[ -n "$(local_disk)" ]' 100 || { echo "the stick never became a disk"; exit 13; }

        # The kernel's own path first, before the node opens the stick: usbip-host + usbipd, attached by vhci.
        usbipd -D --tcp-port 3241 || exit 20
        usbip bind -b "$stick" || exit 21
        usbip --tcp-port 3241 attach -r 127.0.0.1 -b "$stick" || exit 22
        wait_for '[ -n "$(vhci_disk)" ]' 150 || exit 23
        value DD-KERNEL "$(read_rate /dev/$(vhci_disk))"
        value DD-KERNEL-AGAIN "$(read_rate /dev/$(vhci_disk))"
        detach_all
        wait_for '[ -z "$(vhci_disk)" ]' 100 || exit 24
        usbip unbind -b "$stick" || exit 25
        killall usbipd
        wait_for '[ -n "$(local_disk)" ]' 100 || exit 26

        # The node, from the host's build, with udev for hotplug.
        $H -- {{daemon}} --config /run/usbmesh/cfg/node.conf > $W/node.log 2>&1 &
        node=$!
        n=0
        until usbip --tcp-port 3240 list -r 127.0.0.1 > $W/list.txt 2>&1 && [ "$(grep -c '^ *[0-9]*-[0-9.]*: ' $W/list.txt)" -ge 4 ]; do
          n=$((n + 1)); [ "$n" -gt 240 ] && { cat $W/list.txt $W/node.log; exit 30; }; sleep 0.5
        done
        cat $W/list.txt

        # The stick through UsbMesh: libusb -> node -> usbipd endpoint -> vhci.
        usbip --tcp-port 3240 attach -r 127.0.0.1 -b "$stick" || exit 31
        wait_for '[ -n "$(vhci_disk)" ]' 150 || exit 32
        value LOCAL-DISK-WHILE-IMPORTED "$(local_disk)"
        disk=/dev/$(vhci_disk)
        mkdir -p /tmp/stick
        mount -t ext4 -o ro "$disk" /tmp/stick || exit 33
        value READ-SHA "$(sha256sum /tmp/stick/data.bin | cut -d' ' -f1)"
        umount /tmp/stick
        value DD-USBMESH "$(read_rate "$disk")"
        value DD-USBMESH-AGAIN "$(read_rate "$disk")"
        detach_all
        wait_for '[ -z "$(vhci_disk)" ]' 100 || exit 34
        wait_for '[ -n "$(local_disk)" ]' 100
        value LOCAL-DISK-AFTER-DETACH "$(local_disk)"

        # Hotplug through QEMU's monitor.
        step hotplug-add
        await_host hotplug-add
        usbip --tcp-port 3240 list -r 127.0.0.1 > $W/list-hotplug.txt 2>&1
        step hotplug-del
        await_host hotplug-del
        usbip --tcp-port 3240 list -r 127.0.0.1 > $W/list-after-hotplug.txt 2>&1

        # The stick pulled out in the middle of a read through vhci.
        usbip --tcp-port 3240 attach -r 127.0.0.1 -b "$stick" || exit 40
        wait_for '[ -n "$(vhci_disk)" ]' 150 || exit 41
        disk=/dev/$(vhci_disk)
        ( while dd if="$disk" of=/dev/null bs=64k 2>/dev/null; do echo 3 > /proc/sys/vm/drop_caches; done; touch $W/reader-ended ) &
        sleep 1
        step unplug
        await_host unplug
        wait_for "[ -e $W/reader-ended ]" 150 && value READER-ENDED yes
        wait_for '[ -z "$(vhci_disk)" ]' 150 && value VHCI-DISK-GONE yes
        wait_for '[ -z "$(used_port)" ]' 150 && value PORTS-FREE yes
        usbip --tcp-port 3240 list -r 127.0.0.1 > $W/list-after-unplug.txt 2>&1

        kill -TERM "$node"
        wait_for "! kill -0 $node 2>/dev/null" 150 || { echo "the node did not stop"; kill -KILL "$node"; }
        wait "$node"
        value NODE-EXIT $?
        exit 0
        """;

    /// <summary>A 64 MiB ext4 image holding a 16 MiB random file; returns the file's sha256.</summary>
    private static string PrepareStick(string directory, string mke2fs)
    {
        var content = Path.Combine(directory, "content");
        Directory.CreateDirectory(content);
        var data = RandomNumberGenerator.GetBytes(FileMiB << 20);
        File.WriteAllBytes(Path.Combine(content, "data.bin"), data);
        var image = Path.Combine(directory, "stick.img");
        using (var file = File.Create(image))
        {
            file.SetLength((long)StickMiB << 20);
        }

        var psi = new ProcessStartInfo(mke2fs) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-q", "-F", "-t", "ext4", "-d", content, image })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000) && process.ExitCode == 0, "mke2fs failed: " + error);
        File.WriteAllText(Path.Combine(directory, "serial.out"), "");
        return Convert.ToHexStringLower(SHA256.HashData(data));
    }


    private static double Rate(string measurement)
    {
        var parts = measurement.Split(' ');
        var seconds = double.Parse(parts[2], CultureInfo.InvariantCulture) - double.Parse(parts[1], CultureInfo.InvariantCulture);
        return int.Parse(parts[0], CultureInfo.InvariantCulture) * 1.048576 / seconds;
    }

    private static int Arrivals(string log, string vidPid) => Regex.Count(log, $@"USB device \S+ {vidPid}[^\n]* arrived");

    private static int Departures(string log, string vidPid) => Regex.Count(log, $@"USB device \S+ {vidPid}[^\n]* left");

    private sealed record ListedDevice(string VidPid, List<string> InterfaceClasses);

    /// <summary>Parses <c>usbip list -r</c>: "  1-1: vendor : product (46f4:0001)" then ":  0 - name (08/06/50)" lines.</summary>
    private static Dictionary<string, ListedDevice> ParseDeviceList(string text)
    {
        var devices = new Dictionary<string, ListedDevice>(StringComparer.Ordinal);
        ListedDevice? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (DeviceLine().Match(line) is { Success: true } device)
            {
                current = new ListedDevice(device.Groups[2].Value, []);
                devices[device.Groups[1].Value] = current;
            }
            else if (current is not null && InterfaceLine().Match(line) is { Success: true } iface && !current.InterfaceClasses.Contains(iface.Groups[1].Value))
            {
                current.InterfaceClasses.Add(iface.Groups[1].Value);
            }
        }

        return devices;
    }

    [GeneratedRegex(@"^\s+(\d+-[\d.]+): .*\(([0-9a-f]{4}:[0-9a-f]{4})\)\s*$")]
    private static partial Regex DeviceLine();

    [GeneratedRegex(@"^\s+:\s+\d+ - .*\(([0-9a-f]{2})/[0-9a-f]{2}/[0-9a-f]{2}\)\s*$")]
    private static partial Regex InterfaceLine();

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
