using System.Globalization;
using System.Text.RegularExpressions;

namespace UsbMesh.UsbHost;

/// <summary>
/// Finds the USB devices the node itself depends on, so the export policy never hands them to another machine: the
/// disks behind every mounted filesystem (the root, /boot, the state directory — through partitions, device-mapper
/// and RAID members) and the adapter of the network interface that carries the default route (a Pi on a USB
/// Ethernet adapter would cut itself off). Linux only: it reads /proc and /sys, and finds nothing elsewhere.
/// </summary>
public sealed partial class NodeOwnDevices
{
    private readonly string _procRoot;
    private readonly string _sysRoot;

    /// <summary>Reads the live system, or a copy of its /proc and /sys under other roots (tests).</summary>
    /// <param name="procRoot">Where /proc is.</param>
    /// <param name="sysRoot">Where /sys is.</param>
    public NodeOwnDevices(string procRoot = "/proc", string sysRoot = "/sys")
    {
        _procRoot = procRoot;
        _sysRoot = sysRoot;
    }

    /// <summary>Bus ids of USB devices the node depends on, each with the reason.</summary>
    public IReadOnlyDictionary<string, string> Find()
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (source, mountPoint) in ReadMounts())
        {
            foreach (var busId in UsbDevicesBehindBlockDevice(Path.GetFileName(source), depth: 0))
            {
                found.TryAdd(busId, $"holds the filesystem mounted at {mountPoint}");
            }
        }

        foreach (var iface in DefaultRouteInterfaces())
        {
            if (UsbBusIdOf(Path.Combine(_sysRoot, "class", "net", iface, "device")) is { } busId)
            {
                found.TryAdd(busId, $"carries the network interface {iface} with the default route");
            }
        }

        return found;
    }

    /// <summary>The USB device (bus id) a sysfs path lies under: the last <c>bus-port.port…</c> element of its real path.</summary>
    /// <param name="sysfsPath">A sysfs path, usually a symlink into /sys/devices.</param>
    internal static string? UsbBusIdOf(string sysfsPath)
    {
        string real;
        try
        {
            real = RealPath(sysfsPath);
        }
        catch (IOException)
        {
            return null;
        }

        return real.Split('/').LastOrDefault(element => BusIdPattern().IsMatch(element));
    }

    /// <summary>The path with every symbolic link on the way resolved, as realpath(3) gives it.</summary>
    /// <param name="path">An absolute or relative path.</param>
    internal static string RealPath(string path)
    {
        var pending = new Stack<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = "/";
        var links = 0;
        while (pending.Count > 0)
        {
            var element = pending.Pop();
            if (element == ".")
            {
                continue;
            }

            if (element == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? "/";
                continue;
            }

            var next = Path.Combine(resolved, element);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > 40)
                {
                    throw new IOException($"{path}: too many levels of symbolic links");
                }

                foreach (var targetElement in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(targetElement);
                }

                resolved = target.StartsWith('/') ? "/" : resolved;
                continue;
            }

            if (!Path.Exists(next))
            {
                throw new IOException($"{next} does not exist");
            }

            resolved = next;
        }

        return resolved;
    }

    private IEnumerable<(string Source, string MountPoint)> ReadMounts()
    {
        foreach (var line in LinesOrNone(Path.Combine(_procRoot, "self", "mounts")))
        {
            var fields = line.Split(' ');
            if (fields.Length >= 2 && fields[0].StartsWith("/dev/", StringComparison.Ordinal))
            {
                // /dev/mapper/root is a link to ../dm-0; the kernel's block name is what /sys knows.
                var source = fields[0];
                try
                {
                    source = RealPath(source);
                }
                catch (IOException)
                {
                    // A device node that went away: keep the name as written.
                }

                yield return (source, fields[1].Replace("\\040", " ", StringComparison.Ordinal));
            }
        }
    }

    private IEnumerable<string> UsbDevicesBehindBlockDevice(string blockName, int depth)
    {
        var entry = Path.Combine(_sysRoot, "class", "block", blockName);
        if (depth > 8 || !Directory.Exists(entry))
        {
            yield break;
        }

        if (UsbBusIdOf(entry) is { } busId)
        {
            yield return busId;
        }

        // device-mapper, md and friends: the filesystem lives on whatever their member ("slave") devices are.
        var slaves = Path.Combine(entry, "slaves");
        if (Directory.Exists(slaves))
        {
            foreach (var slave in Directory.EnumerateFileSystemEntries(slaves))
            {
                foreach (var behind in UsbDevicesBehindBlockDevice(Path.GetFileName(slave), depth + 1))
                {
                    yield return behind;
                }
            }
        }
    }

    private IEnumerable<string> DefaultRouteInterfaces()
    {
        var lines = LinesOrNone(Path.Combine(_procRoot, "net", "route"));

        // Iface Destination Gateway Flags ... : a destination of 00000000 is the default route.
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination) && destination == 0)
            {
                yield return fields[0];
            }
        }
    }

    /// <summary>A file's lines, or none where it cannot be read (not Linux, or no access): nothing is protected then.</summary>
    private static string[] LinesOrNone(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"^\d+-\d+(\.\d+)*$")]
    private static partial Regex BusIdPattern();
}
