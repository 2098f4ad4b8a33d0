using System.Globalization;
using System.Runtime.Versioning;

namespace UsbMesh.Vhci;

/// <summary>
/// vhci_hcd's files under a sysfs root: <c>devices/platform/vhci_hcd.0/</c> holds <c>nports</c>, <c>attach</c>,
/// <c>detach</c>, <c>status</c> and one <c>status.N</c> per further controller (every controller's files live on the
/// first one).
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class VhciSysfs(string root)
{
    /// <summary>The first controller's directory, which holds every attribute.</summary>
    public string ControllerDirectory { get; } = Path.Combine(root, "devices", "platform", "vhci_hcd.0");

    /// <summary>The file a port is attached through.</summary>
    public string AttachPath => Path.Combine(ControllerDirectory, "attach");

    /// <summary>The file a port is detached through.</summary>
    public string DetachPath => Path.Combine(ControllerDirectory, "detach");

    /// <summary>True when the vhci-hcd module is loaded (its platform device exists).</summary>
    public bool IsLoaded => Directory.Exists(ControllerDirectory);

    /// <summary>Every controller's ports: <c>status</c>, then <c>status.1</c>, <c>status.2</c>, … while they exist.</summary>
    /// <exception cref="IOException">A status file cannot be read.</exception>
    /// <exception cref="FormatException">A status file is in no known format.</exception>
    public IReadOnlyList<VhciPortStatus> ReadPorts()
    {
        var ports = new List<VhciPortStatus>(VhciStatus.Parse(File.ReadAllText(Path.Combine(ControllerDirectory, "status"))));
        for (var controller = 1; ; controller++)
        {
            var path = Path.Combine(ControllerDirectory, "status." + controller.ToString(CultureInfo.InvariantCulture));
            if (!File.Exists(path))
            {
                return ports;
            }

            ports.AddRange(VhciStatus.Parse(File.ReadAllText(path)));
        }
    }

    /// <summary>Writes the attach request: port, the socket's fd in this process, devid and speed.</summary>
    /// <returns>0, or the errno.</returns>
    public int Attach(int port, int socketFd, uint devId, uint speed) =>
        Libc.WriteAttribute(AttachPath, string.Create(CultureInfo.InvariantCulture, $"{port} {socketFd} {devId} {speed}"));

    /// <summary>Writes the detach request for a port.</summary>
    /// <returns>0, or the errno (EINVAL when nothing is attached there any more).</returns>
    public int Detach(int port) => Libc.WriteAttribute(DetachPath, port.ToString(CultureInfo.InvariantCulture));
}
