using System.Diagnostics;
using System.Text.RegularExpressions;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// The pieces for running a UsbMesh node inside the guest: the host's root shared read-only (dotnet runs in a
/// chroot), udevd from the host running in the guest, and USB hotplug through QEMU's machine protocol (QMP). udev
/// in the guest reports a keyboard the test plugs in and pulls out.
/// </summary>
public sealed partial class HostRootHotplugSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(30);

    [QemuFact]
    public async Task Guest_runs_host_dotnet_and_udev_sees_a_keyboard_hotplugged_over_qmp()
    {
        var clock = Stopwatch.StartNew();
        await using var guest = await QemuGuest.StartAsync(
            new QemuGuestOptions
            {
                Timeout = GuestLimit,
                HostRoot = true,
                Qmp = true,
                Xhci = true,
                // The host and the guest hand over through files in the work share (/mnt/usbmesh); 9p runs with
                // cache=none, so each side sees the other's files at once.
                Script = """
                    set -e
                    usbmesh-hostroot --udev -- dotnet --list-runtimes
                    echo "udev-and-dotnet-done uptime=$(cut -d' ' -f1 /proc/uptime)"
                    usbmesh-hostroot -- udevadm monitor --udev --property --subsystem-match=usb \
                      > /mnt/usbmesh/udev.log 2>&1 &
                    monitor=$!
                    # udevadm prints this header after it has joined the netlink group.
                    i=0
                    until grep -q '^UDEV - ' /mnt/usbmesh/udev.log; do
                      i=$((i + 1)); [ "$i" -le 200 ] || { echo "udevadm monitor did not start"; exit 1; }
                      sleep 0.1
                    done
                    touch /mnt/usbmesh/monitor-ready

                    find_kbd() {
                      for d in /sys/bus/usb/devices/*; do
                        [ -r "$d/idVendor" ] || continue
                        [ "$(cat "$d/idVendor"):$(cat "$d/idProduct")" = 0627:0001 ] && { basename "$d"; return 0; }
                      done
                      return 1
                    }
                    i=0
                    until busid="$(find_kbd)"; do
                      i=$((i + 1)); [ "$i" -le 300 ] || { echo "no 0627:0001 appeared"; exit 1; }
                      sleep 0.1
                    done
                    echo "kbd-present $busid uptime=$(cut -d' ' -f1 /proc/uptime)"
                    echo "$busid" > /mnt/usbmesh/kbd-present
                    i=0
                    while find_kbd > /dev/null; do
                      i=$((i + 1)); [ "$i" -le 300 ] || { echo "0627:0001 did not go away"; exit 1; }
                      sleep 0.1
                    done
                    echo "kbd-gone uptime=$(cut -d' ' -f1 /proc/uptime)"
                    touch /mnt/usbmesh/kbd-gone
                    i=0
                    until [ -e /mnt/usbmesh/done ]; do
                      i=$((i + 1)); [ "$i" -le 300 ] || { echo "the host did not finish"; exit 1; }
                      sleep 0.1
                    done
                    kill "$monitor"
                    """,
            },
            Log);
        var work = guest.WorkDirectory;
        var udevLog = Path.Combine(work, "udev.log");

        await guest.Ready.WaitAsync(GuestLimit);
        Log($"READY and QMP connected at {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("running", (await guest.Monitor.ExecuteAsync("query-status")).GetProperty("status").GetString());

        await WaitForAsync(guest, () => File.Exists(Path.Combine(work, "monitor-ready")), "udevadm monitor in the guest");
        Log($"guest ran dotnet and started udevd and udevadm monitor at {clock.Elapsed.TotalSeconds:F1} s");

        await guest.Monitor.DeviceAddAsync("usb-kbd", "kbd1", new { bus = "xhci.0" });
        Assert.Contains("QEMU USB Keyboard", await guest.Monitor.HumanMonitorCommandAsync("info usb"));
        var busId = await WaitForAsync(guest, () => ReadTrimmed(Path.Combine(work, "kbd-present")), "0627:0001 in the guest's sysfs");
        var added = await WaitForAsync(guest, () => FindUdevEvent(udevLog, "add", busId), "udev add event");
        Log($"plugged in as {busId} at {clock.Elapsed.TotalSeconds:F1} s; udev: {added}");

        await guest.Monitor.DeviceDelAsync("kbd1");
        Assert.DoesNotContain("QEMU USB Keyboard", await guest.Monitor.HumanMonitorCommandAsync("info usb"));
        await WaitForAsync(guest, () => File.Exists(Path.Combine(work, "kbd-gone")), "0627:0001 gone from the guest's sysfs");
        var removed = await WaitForAsync(guest, () => FindUdevEvent(udevLog, "remove", busId), "udev remove event");
        Log($"pulled out at {clock.Elapsed.TotalSeconds:F1} s; udev: {removed}");

        await File.WriteAllTextAsync(Path.Combine(work, "done"), "");
        var result = await guest.WaitAsync();
        Log($"boot to READY: {result.BootTime?.TotalSeconds:F1} s, whole test {clock.Elapsed.TotalSeconds:F1} s");

        Assert.False(result.TimedOut, "guest timed out:\n" + result.Output);
        Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
        Assert.Matches(@"Microsoft\.NETCore\.App 10\.", result.Output);
        Assert.Contains(
            guest.Monitor.Events,
            e => e.GetProperty("event").GetString() == "DEVICE_DELETED"
                && e.GetProperty("data").TryGetProperty("device", out var device) && device.GetString() == "kbd1");
    }

    /// <summary>
    /// The udev event (a block of <c>udevadm monitor --property</c>) with the action for the keyboard's USB device
    /// (not its interface) at <paramref name="busId"/>, or null while there is none.
    /// </summary>
    private static string? FindUdevEvent(string path, string action, string busId)
    {
        string text;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            text = new StreamReader(stream).ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        return text.Split("\n\n")
            .Select(block => block.Trim())
            .FirstOrDefault(block =>
                block.Contains($"\nACTION={action}\n", StringComparison.Ordinal)
                && block.Contains("\nDEVTYPE=usb_device\n", StringComparison.Ordinal)
                && ProductOfKeyboard().IsMatch(block)
                && block.Contains($"/{busId} (usb)", StringComparison.Ordinal))
            ?.Split('\n')[0];
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length > 0 ? text : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static Task WaitForAsync(QemuGuest guest, Func<bool> condition, string what) =>
        WaitForAsync(guest, () => condition() ? "yes" : null, what);

    /// <summary>Polls until <paramref name="probe"/> returns a value; fails early when the guest has ended.</summary>
    private static async Task<string> WaitForAsync(QemuGuest guest, Func<string?> probe, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (guest.Output.Contains(QemuGuest.ExitMarker, StringComparison.Ordinal) || clock.Elapsed > StepLimit)
            {
                Assert.Fail($"waiting for {what}: {(clock.Elapsed > StepLimit ? "timed out" : "the guest ended")}\n{guest.Output}");
            }

            await Task.Delay(100);
        }
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished; xunit no longer takes output.
        }
    }

    // PRODUCT=<idVendor>/<idProduct>/<bcdDevice> in hex without leading zeros: the QEMU USB Keyboard.
    [GeneratedRegex(@"\nPRODUCT=627/1/\w+\n")]
    private static partial Regex ProductOfKeyboard();
}
