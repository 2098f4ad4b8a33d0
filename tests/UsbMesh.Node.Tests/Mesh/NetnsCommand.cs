using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace UsbMesh.Node.Tests;

/// <summary>
/// Runs iproute2's <c>ip</c> and <c>tc</c>, and knows whether this machine lets us build namespaced networks: root,
/// and a probe namespace with a bridge, a veth pair and a tbf qdisc that can be made and deleted.
/// </summary>
[UnsupportedOSPlatform("windows")]
public static class NetnsCommand
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why namespaced networks cannot be built here, or null when they can.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>A name unlikely to exist yet: prefix and random hex (kept short for interface-style limits).</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    public static void Ip(params string[] arguments)
    {
        if (!TryIp(out var error, arguments))
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed: {error}");
        }
    }

    public static bool TryIp(out string error, params string[] arguments) => TryRun("ip", arguments, out error);

    /// <summary>Caps a link's egress at 1 Mbit/s with a token bucket (tbf; netem is not needed).</summary>
    public static void Tbf(string ns, string link) =>
        Tc("-n", ns, "qdisc", "add", "dev", link, "root", "tbf", "rate", "1mbit", "burst", "32kbit", "latency", "400ms");

    /// <summary>Runs tc and returns what it printed.</summary>
    public static string Tc(params string[] arguments) =>
        TryRun("tc", arguments, out var result, out var printed) ? printed : throw new InvalidOperationException($"tc {string.Join(' ', arguments)} failed: {result}");

    private static bool TryRun(string program, string[] arguments, out string error) => TryRun(program, arguments, out error, out _);

    private static bool TryRun(string program, string[] arguments, out string error, out string printed)
    {
        printed = "";
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill();
            error = $"did not finish within {CommandTimeout}";
            return false;
        }

        process.WaitForExit();
        printed = stdout.Result;
        error = $"exit code {process.ExitCode}: {stderr.Result.Trim()} {stdout.Result.Trim()}".Trim();
        return process.ExitCode == 0;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Network namespaces need Linux.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "Network namespaces need root (ip netns add); run the specs as root to include these.";
        }

        try
        {
            using var probe = NetworkNamespaces.Create("probe");
            probe.Throttle("probe");
            return null;
        }
        catch (Win32Exception e)
        {
            return $"iproute2 (ip, tc) is not installed: {e.Message}";
        }
        catch (InvalidOperationException e)
        {
            return $"Cannot build a namespaced network here: {e.Message}";
        }
    }
}

/// <summary>Why a spec that builds namespaced networks is skipped here (not Linux, not root, no iproute2), or null.</summary>
internal static class NetnsSkip
{
    public static string? Reason => OperatingSystem.IsWindows() ? "Network namespaces need Linux." : NetnsCommand.UnavailableReason;
}

/// <summary>A fact that is skipped, with the reason, where namespaced networks cannot be built (not root, no iproute2).</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute() => Skip = NetnsSkip.Reason;
}

/// <summary>A theory that is skipped, with the reason, where namespaced networks cannot be built (see <see cref="NetnsFactAttribute"/>).</summary>
public sealed class NetnsTheoryAttribute : TheoryAttribute
{
    public NetnsTheoryAttribute() => Skip = NetnsSkip.Reason;
}
