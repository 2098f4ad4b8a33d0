using System.Runtime.Versioning;
using UsbMesh.Usb;

namespace UsbMesh.Vhci;

/// <summary>The words of an attach that failed: each says what to do about it where there is something to do.</summary>
[UnsupportedOSPlatform("windows")]
internal static class VhciReasons
{
    public static string NotLoaded(string controllerDirectory) =>
        $"the vhci-hcd kernel module is not loaded ({controllerDirectory} does not exist); load it with `modprobe vhci-hcd`";

    public static string NoFreePort(IReadOnlyList<VhciPortStatus> ports, UsbSpeed speed, int ownPorts)
    {
        var hub = VhciStatus.HubFor(speed);
        var name = hub == VhciHub.Super ? "super-speed" : "high-speed";
        var count = ports.Count(p => p.Hub == hub);
        return count == 0
            ? $"vhci_hcd has no {name} ports (a kernel before 4.13 has high-speed ports only), so a {speed} speed device cannot be attached"
            : $"no free {name} port on vhci_hcd: all {count} are in use ({ownPorts} of all ports by this node)";
    }

    public static string AttachWrite(int errno, string path, int port, uint speed, string controllerDirectory) => errno switch
    {
        Libc.EACCES or Libc.EPERM => $"permission denied writing {path}: attaching a device to vhci_hcd needs root",
        Libc.ENOENT => NotLoaded(controllerDirectory),
        Libc.EINVAL => $"vhci_hcd refused to attach port {port} at speed {speed} ({path}: {Libc.Describe(errno)})",
        Libc.EBUSY => $"vhci_hcd port {port} was taken by another attach, and so were the ports tried before it",
        _ => $"writing {path} failed: {Libc.Describe(errno)}",
    };
}
