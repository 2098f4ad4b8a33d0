namespace UsbMesh.Qemu.Tests;

/// <summary>
/// Where the harness scripts are and whether this machine can boot a guest: qemu-system-x86_64, an installed
/// Debian kernel (<c>/boot/vmlinuz-*</c> with its <c>/lib/modules/*/modules.dep</c>), busybox and usbip.
/// </summary>
public static class QemuEnvironment
{
    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>The folder holding <c>build-initramfs.sh</c>, <c>run-guest.sh</c> and <c>guest-init.sh</c>.</summary>
    public static string ScriptDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "qemu");

    /// <summary>Why a guest cannot boot here (which package is missing), or null when it can.</summary>
    public static string? MissingReason => Missing.Value;

    private static string? FindMissing()
    {
        var missing = new List<string>();
        if (FindOnPath("qemu-system-x86_64") is null)
        {
            missing.Add("qemu-system-x86_64 (apt install qemu-system-x86)");
        }

        var hasKernel = Directory.Exists("/lib/modules") && Directory.EnumerateDirectories("/lib/modules")
            .Any(dir => File.Exists(Path.Combine(dir, "modules.dep"))
                && File.Exists("/boot/vmlinuz-" + Path.GetFileName(dir)));
        if (!hasKernel)
        {
            missing.Add("an installed kernel image (apt install linux-image-amd64)");
        }

        if (!File.Exists("/bin/busybox") && FindOnPath("busybox") is null)
        {
            missing.Add("busybox (apt install busybox-static)");
        }

        if (!File.Exists("/usr/sbin/usbip") && FindOnPath("usbip") is null)
        {
            missing.Add("usbip (apt install usbip)");
        }

        foreach (var tool in new[] { "bash", "cpio", "gzip", "timeout" })
        {
            if (FindOnPath(tool) is null)
            {
                missing.Add(tool);
            }
        }

        return missing.Count == 0 ? null : "QEMU guest cannot boot here; missing: " + string.Join(", ", missing);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>A fact that is skipped, with the reason, only when the QEMU/kernel packages are missing.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (QemuEnvironment.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}
