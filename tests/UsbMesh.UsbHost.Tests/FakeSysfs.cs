namespace UsbMesh.UsbHost.Tests;

/// <summary>A throwaway copy of the parts of /proc and /sys the host reads, with relative links as the kernel makes them.</summary>
internal sealed class FakeSysfs : IDisposable
{
    public FakeSysfs()
    {
        Root = Directory.CreateTempSubdirectory("usbmesh-sysfs-").FullName;
        Directory.CreateDirectory(ProcRoot);
        Directory.CreateDirectory(Path.Combine(ProcRoot, "self"));
        Directory.CreateDirectory(Path.Combine(ProcRoot, "net"));
        File.WriteAllText(Path.Combine(ProcRoot, "self", "mounts"), "");
        File.WriteAllText(Path.Combine(ProcRoot, "net", "route"), "Iface\tDestination\tGateway\n");
    }

    public string Root { get; }

    public string ProcRoot => Path.Combine(Root, "proc");

    public string SysRoot => Path.Combine(Root, "sys");

    /// <summary>Creates a directory under /sys/devices and returns its full path.</summary>
    public string Device(string relative)
    {
        var path = Path.Combine(SysRoot, "devices", relative);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A relative symbolic link at <paramref name="linkUnderSys"/> pointing to <paramref name="target"/>.</summary>
    public void Link(string linkUnderSys, string target)
    {
        var link = Path.Combine(SysRoot, linkUnderSys);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, target));
    }

    public void WriteFile(string underSys, string content)
    {
        var path = Path.Combine(SysRoot, underSys);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Mounts(params string[] lines) => File.WriteAllLines(Path.Combine(ProcRoot, "self", "mounts"), lines);

    public void Routes(params string[] lines) =>
        File.WriteAllLines(Path.Combine(ProcRoot, "net", "route"), ["Iface\tDestination\tGateway\tFlags", .. lines]);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
