using System.Text;

namespace UsbMesh.Vhci.Tests;

/// <summary>
/// A directory shaped like sysfs for one vhci_hcd controller: <c>devices/platform/vhci_hcd.0/</c> with <c>status</c>,
/// <c>nports</c> and empty <c>attach</c> and <c>detach</c> files, which the actor writes as it would the kernel's.
/// </summary>
internal sealed class FakeVhciSysfs : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("usbmesh-vhci-");

    public FakeVhciSysfs(int portsPerHub = 8, bool loaded = true)
    {
        PortsPerHub = portsPerHub;
        if (loaded)
        {
            Directory.CreateDirectory(Controller);
            File.WriteAllText(Path.Combine(Controller, "nports"), $"{2 * portsPerHub}\n");
            File.WriteAllText(AttachPath, "");
            File.WriteAllText(DetachPath, "");
            SetUsed();
        }
    }

    public int PortsPerHub { get; }

    public string Root => _root.FullName;

    public string Controller => Path.Combine(Root, "devices", "platform", "vhci_hcd.0");

    /// <summary>Where the usbip records of attached ports go (usbip's /var/run/vhci_hcd).</summary>
    public string StateDirectory => Path.Combine(Root, "run", "vhci_hcd");

    public string RecordPath(int port) => Path.Combine(StateDirectory, $"port{port}");

    public string AttachPath => Path.Combine(Controller, "attach");

    public string DetachPath => Path.Combine(Controller, "detach");

    /// <summary>Rewrites <c>status</c> in the kernel's format since 4.13, the given ports in use.</summary>
    public void SetUsed(params int[] used)
    {
        var text = new StringBuilder("hub port sta spd dev      sockfd local_busid\n");
        for (var port = 0; port < 2 * PortsPerHub; port++)
        {
            var hub = port < PortsPerHub ? "hs" : "ss";
            text.Append(used.Contains(port)
                ? $"{hub}  {port:D4} 006 003 00010002 000009 3-{port + 1}\n"
                : $"{hub}  {port:D4} 004 000 00000000 000000 0-0\n");
        }

        File.WriteAllText(Path.Combine(Controller, "status"), text.ToString());
    }

    /// <summary>The last attach request, as the kernel would parse it: port, sockfd, devid, speed.</summary>
    public (int Port, int SocketFd, uint DevId, uint Speed) ReadAttach()
    {
        var fields = File.ReadAllText(AttachPath).Split(' ');
        Assert.Equal(4, fields.Length);
        return (int.Parse(fields[0]), int.Parse(fields[1]), uint.Parse(fields[2]), uint.Parse(fields[3]));
    }

    /// <summary>Empties <c>attach</c>, so the next request is read alone (sysfs has no file contents to overwrite).</summary>
    public void ClearAttach() => File.WriteAllText(AttachPath, "");

    public string ReadDetach() => File.ReadAllText(DetachPath);

    /// <summary>Makes <c>attach</c> refuse writers as a root-only sysfs attribute refuses others: a read-only sysfs file
    /// refuses even root with EACCES, which a plain file's mode would not.</summary>
    public void MakeAttachUnwritable()
    {
        File.Delete(AttachPath);
        File.CreateSymbolicLink(AttachPath, "/sys/kernel/uevent_seqnum");
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
