using System.Text.RegularExpressions;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// A step-by-step conversation with a guest script over its console and the shared work directory. The guest
/// prints <c>USBMESH-STEP name</c> when it reaches a point where the host acts, then waits for the file
/// <c>go-name</c> in /mnt/usbmesh (the <c>await_host</c> shell function of <see cref="ShellFunctions"/>). Values the
/// guest reports are lines <c>USBMESH-VALUE key=value</c>.
/// </summary>
public static partial class GuestSteps
{
    /// <summary>
    /// Shell functions for guest scripts: <c>step NAME</c>, <c>await_host NAME</c>, <c>value KEY VALUE</c>,
    /// <c>wait_for CONDITION TRIES</c> (every 0.2 s), and for vhci imports <c>used_port</c> (the first vhci port in
    /// use, or nothing) and <c>detach_all</c>.
    /// </summary>
    public const string ShellFunctions = """
        step() { echo "USBMESH-STEP $1"; }
        wait_for() { n=0; until eval "$1"; do n=$((n + 1)); [ "$n" -gt "$2" ] && return 1; sleep 0.2; done; }
        used_port() { usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\): <Port in Use>.*/\1/p' | head -1; }
        detach_all() { p=$(used_port); while [ -n "$p" ]; do usbip detach -p "$p" >/dev/null; sleep 0.5; p=$(used_port); done; }
        value() { echo "USBMESH-VALUE $1=$2"; }
        await_host() {
          n=0
          until [ -e "/mnt/usbmesh/go-$1" ]; do
            n=$((n + 1)); [ "$n" -gt 600 ] && { echo "no go-$1 from the host within 120 s"; exit 90; }
            sleep 0.2
          done
        }
        """;

    /// <summary>Waits until the guest has printed <c>USBMESH-STEP name</c>.</summary>
    /// <param name="guest">The guest.</param>
    /// <param name="name">The step.</param>
    /// <param name="timeout">How long to wait.</param>
    public static Task WaitForStepAsync(QemuGuest guest, string name, TimeSpan timeout) =>
        WaitUntilAsync(() => guest.Output.Contains($"USBMESH-STEP {name}\n", StringComparison.Ordinal), timeout, $"step {name}", guest);

    /// <summary>Lets the guest go on past <c>await_host name</c>.</summary>
    /// <param name="guest">The guest.</param>
    /// <param name="name">The step.</param>
    public static Task GoAsync(QemuGuest guest, string name) => File.WriteAllTextAsync(Path.Combine(guest.WorkDirectory, "go-" + name), "");

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds, or fails with the guest's output.</summary>
    /// <param name="condition">What to wait for.</param>
    /// <param name="timeout">How long.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="guest">The guest whose output the failure shows.</param>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, QemuGuest guest)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}:\n{guest.Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every <c>USBMESH-VALUE key=value</c> the guest printed (the last one wins).</summary>
    /// <param name="output">The guest's output.</param>
    public static Dictionary<string, string> Values(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in ValueLine().Matches(output))
        {
            values[match.Groups[1].Value] = match.Groups[2].Value.Trim();
        }

        return values;
    }

    [GeneratedRegex(@"^USBMESH-VALUE ([A-Za-z0-9_.-]+)=(.*)$", RegexOptions.Multiline)]
    private static partial Regex ValueLine();
}
