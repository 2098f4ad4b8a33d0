using System.Diagnostics;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// The vhci front end against a real kernel: inside a guest, <c>usbmesh-vhci-harness</c> attaches an emulated
/// mass-storage gadget to the guest's own vhci_hcd through <c>VhciPortActor</c> (a socketpair, no
/// usbip tool and no TCP). The guest's usb-storage driver makes it a SCSI disk; a vfat file and raw blocks written
/// to it read back the same after the page cache is dropped, and the raw blocks are in the gadget's image file. After
/// the harness detaches, the disk and the port are gone.
/// </summary>
public sealed class VhciPortSpec(ITestOutputHelper output)
{
    private const string HarnessTag = "vhci-bin";
    private const string Harness = "usbmesh-vhci-harness";
    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(150);

    [QemuFact]
    public async Task A_gadget_attached_through_VhciPortActor_becomes_a_disk_that_reads_back_what_was_written_and_goes_away_on_detach()
    {
        var clock = Stopwatch.StartNew();
        await using var guest = await QemuGuest.StartAsync(
            new QemuGuestOptions
            {
                Script = GuestScript,
                Timeout = GuestLimit,
                HostRoot = true,
                Shares = [(GuestDaemon.BuildOutput("tests/UsbMesh.Vhci.Harness", Harness), HarnessTag, true)],
            },
            Log);
        var result = await guest.WaitAsync();
        var harnessLogPath = Path.Combine(guest.WorkDirectory, "harness.log");
        var harnessLog = File.Exists(harnessLogPath) ? await File.ReadAllTextAsync(harnessLogPath) : "";
        Log($"guest: boot {result.BootTime?.TotalSeconds:F1} s, total {result.Elapsed.TotalSeconds:F1} s, exit {result.ExitCode}");
        Log("harness log:\n" + harnessLog);
        Assert.False(result.TimedOut, "the guest timed out:\n" + result.Output);
        Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
        var values = GuestSteps.Values(result.Output);

        // A high-speed gadget went to a port of the high-speed hub, which the stock tool shows as in use.
        var port = int.Parse(values["PORT"]);
        Assert.InRange(port, 0, 7);
        Assert.Equal(port, int.Parse(values["USED-PORT"]));
        Assert.Contains("High Speed", values["USBIP-PORT"], StringComparison.Ordinal);
        Assert.Equal("1-1 -> usbip://usbmesh:local/100-1", values["USBIP-RECORD"]);
        Assert.Equal("0", values["USBIP-ERRORS"]);

        // The disk is the one behind vhci_hcd.
        Assert.Contains("vhci_hcd", values["DISK-DEVICE"], StringComparison.Ordinal);
        Assert.Equal("131072", values["SECTORS"]);

        // A vfat file and raw blocks read back through the kernel, and the raw blocks are in the gadget's image.
        Assert.Matches("^[0-9a-f]{64}$", values["FILE-WRITE"]);
        Assert.Equal(values["FILE-WRITE"], values["FILE-READ"]);
        Assert.Matches("^[0-9a-f]{64}$", values["RAW-WRITE"]);
        Assert.Equal(values["RAW-WRITE"], values["RAW-READ"]);
        Assert.Equal(values["RAW-WRITE"], values["IMAGE-RAW"]);

        // The detach asked for happened, and took the disk and the port with it.
        Assert.Contains("VHCI-DETACHED detached on request", harnessLog, StringComparison.Ordinal);
        Assert.Equal("0", values["HARNESS-EXIT"]);
        Assert.Equal("yes", values["DISK-GONE"]);
        Assert.Equal("yes", values["PORTS-FREE"]);
        Log($"whole test: {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string GuestScript => GuestSteps.ShellFunctions + $$"""

        set -u
        W=/mnt/usbmesh
        H=usbmesh-hostroot
        IMG=/tmp/stick.img
        uptime_now() { cut -d' ' -f1 /proc/uptime; }
        first_disk() { for b in /sys/block/sd*; do [ -e "$b" ] && basename "$b"; done | head -1; }
        disk_ready() { d=$(first_disk); [ -n "$d" ] && [ -b "/dev/$d" ] && [ "$(cat /sys/block/$d/size)" -gt 0 ]; }
        fail() { echo "--- $1"; usbip port; cat /sys/devices/platform/vhci_hcd.0/status; dmesg | tail -n 40; echo "--- harness"; cat $W/harness.log; exit $2; }

        modprobe vhci-hcd || exit 10
        # The harness runs in the host's root, whose /var/run is /run (the guest's, bound there); the guest's own usbip
        # tool reads its port records from /var/run/vhci_hcd too, so the guest's /var/run is made /run as well.
        mount --bind /run /var/run || exit 12
        $H || exit 11
        value T-START "$(uptime_now)"
        $H -- /run/usbmesh/{{HarnessTag}}/{{Harness}} --image $IMG --size 67108864 --bus-id 100-1 --detach-when /tmp/detach-now > $W/harness.log 2>&1 &
        harness=$!
        wait_for 'grep -q "^VHCI-" $W/harness.log' 300 || fail "the harness printed nothing within 60 s" 20
        grep -q "^VHCI-ATTACHED port=" $W/harness.log || fail "the harness did not attach" 21
        value T-ATTACHED "$(uptime_now)"
        value PORT "$(sed -n 's/^VHCI-ATTACHED port=//p' $W/harness.log)"
        wait_for disk_ready 150 || fail "no disk within 30 s of the attach" 22
        DISK=$(first_disk)
        value T-DISK "$(uptime_now)"
        value DISK "$DISK"
        value DISK-DEVICE "$(readlink -f /sys/block/$DISK/device)"
        value SECTORS "$(cat /sys/block/$DISK/size)"
        usbip port
        value USED-PORT "$(used_port)"
        value USBIP-PORT "$(usbip port 2>/dev/null | grep '^Port' | head -1)"
        value USBIP-RECORD "$(usbip port 2>/dev/null | grep -- '->' | head -1 | sed 's/^ *//')"
        value USBIP-ERRORS "$(usbip port 2>&1 >/dev/null | grep -c error)"

        mkdosfs -n VHCI /dev/$DISK > /dev/null || fail mkdosfs 23
        mkdir -p /mnt/stick
        mount -t vfat -o iocharset=utf8 /dev/$DISK /mnt/stick || fail "mount 1" 24
        dd if=/dev/urandom of=/mnt/stick/data.bin bs=1M count=4 2>/dev/null || fail "file write" 25
        sync
        value FILE-WRITE "$(sha256sum /mnt/stick/data.bin | cut -d' ' -f1)"
        umount /mnt/stick || fail "umount 1" 26
        dd if=/dev/urandom of=/tmp/raw.bin bs=1M count=8 2>/dev/null
        value RAW-WRITE "$(sha256sum /tmp/raw.bin | cut -d' ' -f1)"
        dd if=/tmp/raw.bin of=/dev/$DISK bs=1M seek=48 conv=fsync 2>/dev/null || fail "raw write" 27
        echo 3 > /proc/sys/vm/drop_caches
        mount -t vfat -o iocharset=utf8 /dev/$DISK /mnt/stick || fail "mount 2" 28
        value FILE-READ "$(sha256sum /mnt/stick/data.bin | cut -d' ' -f1)"
        umount /mnt/stick || fail "umount 2" 29
        value RAW-READ "$(dd if=/dev/$DISK bs=1M skip=48 count=8 2>/dev/null | sha256sum | cut -d' ' -f1)"
        value T-IO "$(uptime_now)"

        touch /tmp/detach-now
        wait_for '! kill -0 $harness 2>/dev/null' 300 || fail "the harness did not exit within 60 s of the detach" 30
        wait $harness
        value HARNESS-EXIT "$?"
        value T-DETACHED "$(uptime_now)"
        wait_for '[ -z "$(first_disk)" ]' 100 && value DISK-GONE yes || value DISK-GONE no
        [ -z "$(used_port)" ] && value PORTS-FREE yes || value PORTS-FREE no
        value IMAGE-RAW "$(dd if=$IMG bs=1M skip=48 count=8 2>/dev/null | sha256sum | cut -d' ' -f1)"
        value T-END "$(uptime_now)"
        """;

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished.
        }
    }
}
