using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

/// <summary>Debian's usbip tool (package usbip) against the endpoint: `usbip --tcp-port PORT list -r 127.0.0.1`.</summary>
public sealed partial class UsbipToolSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    private readonly ITestOutputHelper _output = output;

    private static readonly string? UsbipPath =
        new[] { "/usr/sbin/usbip", "/usr/bin/usbip", "/sbin/usbip", "/bin/usbip" }.FirstOrDefault(File.Exists);

    [SkippableFactIfNoUsbip]
    public async Task Usbip_list_remote_shows_exactly_the_exported_devices()
    {
        Export("1-1", 1, 2);
        Export("2-3", 2, 5, UsbSpeed.Full);
        Sys.ActorOf(UsbDeviceActor.Props(new LoopbackDevice()), "not-exported");

        var (exitCode, stdout, stderr) = await RunAsync(UsbipPath!, "--tcp-port", Endpoint.Port.ToString(), "list", "-r", "127.0.0.1");
        _output.WriteLine(stdout);
        _output.WriteLine(stderr);

        Assert.Equal(0, exitCode);
        // Each device is a "busid: vendor : product (vid:pid)" line, then its path, class, and one line per interface.
        var busLines = stdout.Split('\n').Select(l => l.Trim()).Where(l => DeviceLine().IsMatch(l)).ToList();
        Assert.Equal(2, busLines.Count);
        Assert.StartsWith("1-1: ", busLines[0]);
        Assert.StartsWith("2-3: ", busLines[1]);
        Assert.Contains("/sys/devices/platform/usbmesh/1-1", stdout);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.Trim() == ":  0 - Vendor Specific Class / unknown subclass / unknown protocol (ff/00/00)"));
        Assert.DoesNotContain("usbip: error", stderr);
    }

    [GeneratedRegex(@"^\S+: .* \([0-9a-f]{4}:[0-9a-f]{4}\)$")]
    private static partial Regex DeviceLine();

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TestKitBase.Dilated(TimeSpan.FromSeconds(20)));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("usbip did not finish within 20 s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private sealed class SkippableFactIfNoUsbipAttribute : FactAttribute
    {
        public SkippableFactIfNoUsbipAttribute()
        {
            if (UsbipPath is null)
            {
                Skip = "the usbip tool is not installed (Debian package usbip); install it to run this test";
            }
        }
    }
}
