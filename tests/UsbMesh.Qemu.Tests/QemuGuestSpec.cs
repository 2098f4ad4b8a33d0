using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// Smoke tests of the real-kernel harness: the installed Debian kernel boots under QEMU, has the USB/IP client
/// (vhci-hcd, usbip), reaches the host over user networking and enumerates QEMU-emulated USB devices.
/// </summary>
public sealed class QemuGuestSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan TestLimit = TimeSpan.FromSeconds(120);

    [QemuFact]
    public async Task Guest_boots_loads_vhci_runs_usbip_and_reaches_the_host()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = ReceiveLineAsync(listener);

        var result = await RunAsync(new QemuGuestOptions
        {
            Timeout = TestLimit,
            Script = $"""
                set -e
                echo "guest-kernel=$(uname -r)"
                modprobe vhci-hcd
                test -e /sys/devices/platform/vhci_hcd.0/status
                head -n 3 /sys/devices/platform/vhci_hcd.0/status
                usbip version
                usbip list -l
                echo "hello-from-guest $(uname -r)" | nc -w 10 10.0.2.2 {port}
                echo guest-done
                """,
        });

        Assert.False(result.TimedOut, "guest timed out:\n" + result.Output);
        Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
        var kernel = InstalledKernelVersion();
        Assert.Contains("guest-kernel=" + kernel, result.Output);
        Assert.Contains("hub port sta spd dev", result.Output); // the header of vhci_hcd's status file
        Assert.Contains("usbip (usbip-utils", result.Output);
        Assert.Contains("guest-done", result.Output);
        Assert.Equal("hello-from-guest " + kernel, await received.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [QemuFact]
    public async Task Guest_enumerates_a_qemu_usb_keyboard_on_xhci()
    {
        var result = await RunAsync(new QemuGuestOptions
        {
            Timeout = TestLimit,
            Xhci = true,
            Devices = ["usb-kbd"],
            // Enumeration is asynchronous to boot; wait up to 20 s for the device to appear in sysfs.
            Script = """
                for i in $(seq 1 40); do
                  for d in /sys/bus/usb/devices/*; do
                    [ -r "$d/idVendor" ] || continue
                    id="$(cat "$d/idVendor"):$(cat "$d/idProduct")"
                    if [ "$id" = 0627:0001 ]; then
                      echo "found-usb $id $(cat "$d/product") at $(basename "$d")"
                      exit 0
                    fi
                  done
                  sleep 0.5
                done
                echo "no 0627:0001 in:"; cat /sys/bus/usb/devices/*/idVendor
                exit 1
                """,
        });

        Assert.False(result.TimedOut, "guest timed out:\n" + result.Output);
        Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
        Assert.Contains("found-usb 0627:0001 QEMU USB Keyboard", result.Output);
    }

    [QemuFact]
    public async Task Guest_exit_code_and_shared_directory_reach_the_host()
    {
        await using var guest = await QemuGuest.StartAsync(
            new QemuGuestOptions { Timeout = TestLimit, Script = "echo from-guest > /mnt/usbmesh/result.txt\nexit 7" },
            Log);
        var result = await guest.WaitAsync();
        Report(result);

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("from-guest\n", await File.ReadAllTextAsync(Path.Combine(guest.WorkDirectory, "result.txt")));
    }

    [QemuFact]
    public async Task Guest_that_hangs_is_killed_at_the_timeout()
    {
        var result = await RunAsync(new QemuGuestOptions { Timeout = TimeSpan.FromSeconds(30), Script = "sleep 600" });

        Assert.True(result.TimedOut, "expected a timeout:\n" + result.Output);
        Assert.Null(result.ExitCode);
        Assert.Contains(QemuGuest.ReadyMarker, result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(50), $"took {result.Elapsed}");
    }

    private async Task<QemuGuestResult> RunAsync(QemuGuestOptions options)
    {
        var result = await QemuGuest.RunAsync(options, Log);
        Report(result);
        return result;
    }

    private void Report(QemuGuestResult result) =>
        Log($"boot to READY: {result.BootTime?.TotalSeconds.ToString("F1") ?? "never"} s, total "
            + $"{result.Elapsed.TotalSeconds:F1} s, guest exit {result.ExitCode?.ToString() ?? "none"}, "
            + $"timed out: {result.TimedOut}");

    private void Log(string line) => output.WriteLine(line);

    private static async Task<string?> ReceiveLineAsync(TcpListener listener)
    {
        using var cts = new CancellationTokenSource(TestLimit);
        using var client = await listener.AcceptTcpClientAsync(cts.Token);
        using var reader = new StreamReader(client.GetStream(), Encoding.UTF8);
        return await reader.ReadLineAsync(cts.Token);
    }

    private static string InstalledKernelVersion() =>
        Directory.EnumerateDirectories("/lib/modules")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(v => File.Exists("/boot/vmlinuz-" + v))
            .OrderDescending(StringComparer.Ordinal)
            .First();
}
