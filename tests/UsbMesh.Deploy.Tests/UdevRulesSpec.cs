namespace UsbMesh.Deploy.Tests;

/// <summary>
/// deploy/udev/70-usbmesh.rules in a real kernel with Debian's udevd (a QEMU guest, tests/qemu): the rules give a
/// device named by vendor and product, and vhci_hcd's attach and detach files, to the node's group, and with them a
/// user who is not root attaches and detaches a device through vhci_hcd — what the unit's usbmesh user relies on.
/// </summary>
public class UdevRulesSpec
{
    // The rules name group usbmesh; the guest runs the host's udevd against the host's /etc/group, which has
    // plugdev on every Debian machine but not necessarily usbmesh. The rules' logic is the same for either name.
    private const string Group = "plugdev";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(200);

    [UdevGuestFact]
    public void A_user_of_the_node_group_attaches_through_vhci_and_opens_the_devices_the_rules_name()
    {
        using var share = new TemporaryDirectory();
        File.Copy(Repository.PathOf("deploy/udev/70-usbmesh.rules"), Path.Combine(share.Path, "70-usbmesh.rules"));
        File.WriteAllText(Path.Combine(share.Path, "run.sh"), Script(UdevGuestFactAttribute.GroupId!.Value));

        // QEMU's usb-kbd is 0627:0001, the first device on the guest's xHCI bus: 1-1, /dev/bus/usb/001/002.
        var run = Tool.Run(Limit, "bash", "tests/qemu/run-guest.sh", "--memory", "1024", "--host-root", "--xhci",
            "--device", "usb-kbd", "--share", $"{share.Path}:work", "--timeout", "180", "--script", "/mnt/work/run.sh");

        var output = run.Output + run.Error;
        Assert.Contains("USBMESH-QEMU-EXIT=0", output, StringComparison.Ordinal);
        Assert.Contains($"DEVNODE {UdevGuestFactAttribute.GroupId} 664", output, StringComparison.Ordinal);
        Assert.Contains($"ATTACH {UdevGuestFactAttribute.GroupId} 220", output, StringComparison.Ordinal);
        Assert.Contains($"DETACH {UdevGuestFactAttribute.GroupId} 220", output, StringComparison.Ordinal);
        Assert.Contains("UNPRIVILEGED ATTACH 0", output, StringComparison.Ordinal);
        Assert.Contains("PORT IN USE 1", output, StringComparison.Ordinal);
        Assert.Contains("UNPRIVILEGED DETACH 0", output, StringComparison.Ordinal);
    }

    private static string Script(int gid) => $$"""
        set -x
        mkdir -p /run/udev/rules.d
        sed 's/usbmesh/{{Group}}/g' /mnt/work/70-usbmesh.rules > /run/udev/rules.d/70-usbmesh.rules
        echo 'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="0627", ATTR{idProduct}=="0001", GROUP="{{Group}}", MODE="0664"' >> /run/udev/rules.d/70-usbmesh.rules
        usbmesh-hostroot --udev -- true
        modprobe vhci-hcd
        modprobe usbip-host
        usbmesh-hostroot -- udevadm settle --timeout=30
        echo "DEVNODE $(stat -c '%g %a' /dev/bus/usb/001/002)"
        echo "ATTACH $(stat -c '%g %a' /sys/devices/platform/vhci_hcd.0/attach)"
        echo "DETACH $(stat -c '%g %a' /sys/devices/platform/vhci_hcd.0/detach)"
        echo 'op:x:1000:{{gid}}::/tmp:/bin/sh' >> /etc/passwd
        mkdir -p /var/run/vhci_hcd && chown 1000:{{gid}} /var/run/vhci_hcd
        usbipd -D && sleep 1 && usbip bind -b 1-1
        su -s /bin/sh op -c 'usbip attach -r 127.0.0.1 -b 1-1'
        echo "UNPRIVILEGED ATTACH $?"
        sleep 2
        echo "PORT IN USE $(grep -c '^hs  0000 006' /sys/devices/platform/vhci_hcd.0/status)"
        su -s /bin/sh op -c 'usbip detach -p 0'
        echo "UNPRIVILEGED DETACH $?"
        """;
}

/// <summary>A fact that needs a QEMU guest (tests/qemu), the host's udevd and group plugdev; skipped with the reason otherwise.</summary>
public sealed class UdevGuestFactAttribute : FactAttribute
{
    /// <summary>plugdev's gid in the host's /etc/group, which the guest's udevd reads.</summary>
    public static int? GroupId { get; } = File.Exists("/etc/group")
        ? File.ReadLines("/etc/group").Select(line => line.Split(':')).Where(f => f.Length > 2 && f[0] == "plugdev")
            .Select(f => int.TryParse(f[2], out var id) ? id : (int?)null).FirstOrDefault()
        : null;

    public UdevGuestFactAttribute()
    {
        var kernel = Directory.Exists("/lib/modules") && Directory.EnumerateDirectories("/lib/modules")
            .Any(dir => File.Exists(Path.Combine(dir, "modules.dep")) && File.Exists("/boot/vmlinuz-" + Path.GetFileName(dir)));
        Skip = OperatingSystem.IsWindows() ? "QEMU guests need Linux."
            : !Tool.Exists("qemu-system-x86_64") ? "qemu-system-x86_64 is not installed."
            : !kernel ? "No installed kernel image to boot (linux-image-amd64)."
            : !File.Exists("/lib/systemd/systemd-udevd") ? "udev is not installed."
            : !Tool.Exists("busybox") && !File.Exists("/bin/busybox") ? "busybox is not installed."
            : !File.Exists("/usr/sbin/usbip") ? "usbip is not installed."
            : GroupId is null ? "There is no group plugdev."
            : null;
    }
}
