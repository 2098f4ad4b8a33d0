using UsbMesh.Usb;

namespace UsbMesh.Vhci;

/// <summary>Which root hub of a vhci_hcd controller a port belongs to.</summary>
public enum VhciHub
{
    /// <summary>The USB 2.0 hub ("hs"): low, full and high speed devices.</summary>
    High,

    /// <summary>The USB 3 hub ("ss"): super speed devices.</summary>
    Super,
}

/// <summary>One line of a vhci_hcd <c>status</c> file.</summary>
/// <param name="Hub">The root hub the port belongs to (always <see cref="VhciHub.High"/> in the formats without a hub column).</param>
/// <param name="Port">The port number written to <c>attach</c> and <c>detach</c> (numbered across all controllers).</param>
/// <param name="State">The kernel's <c>usbip_device_status</c> (<see cref="VhciStatus.PortFree"/> is a free port).</param>
/// <param name="Speed">The attached device's <c>usb_device_speed</c>; 0 on a free port.</param>
/// <param name="DevId">The attached device's devid ((busnum &lt;&lt; 16) | devnum); 0 on a free port.</param>
/// <param name="LocalBusId">The bus id of the attached device on this machine ("3-1"); "0-0" on a free port.</param>
public sealed record VhciPortStatus(VhciHub Hub, int Port, int State, int Speed, uint DevId, string LocalBusId)
{
    /// <summary>True when nothing is attached and nothing is being attached.</summary>
    public bool IsFree => State == VhciStatus.PortFree;
}

/// <summary>
/// Reads vhci_hcd's <c>status</c> files (<c>/sys/devices/platform/vhci_hcd.0/status</c>, and <c>status.N</c> for
/// each further controller) and picks a free port for a device. Three formats exist (ADR 0012):
/// <list type="bullet">
/// <item>kernels before 4.9: <c>prt sta spd bus dev socket local_busid</c>, three-digit ports; the header names bus
/// and dev, but an attached port prints the devid as one hex field, and a free port prints zeros for both;</item>
/// <item>4.9 to 4.12: <c>port sta spd dev socket local_busid</c>, four-digit ports;</item>
/// <item>since 4.13: <c>hub port sta spd dev sockfd local_busid</c>: each controller has a high-speed hub ("hs")
/// and a super-speed hub ("ss") with ports of their own.</item>
/// </list>
/// The formats without a hub column have high-speed ports only (those kernels refuse super speed attaches).
/// </summary>
public static class VhciStatus
{
    /// <summary>VDEV_ST_NULL: the port is free.</summary>
    public const int PortFree = 4;

    /// <summary>VDEV_ST_NOTASSIGNED: a socket is attached, the device is not enumerated yet.</summary>
    public const int PortNotAssigned = 5;

    /// <summary>VDEV_ST_USED: a device is attached.</summary>
    public const int PortUsed = 6;

    /// <summary>VDEV_ST_ERROR: the connection failed; the port is being torn down.</summary>
    public const int PortError = 7;

    /// <summary>Parses one status file.</summary>
    /// <param name="text">The file's text, header line included.</param>
    /// <returns>The ports, in file order.</returns>
    /// <exception cref="FormatException">The text is in none of the known formats.</exception>
    public static IReadOnlyList<VhciPortStatus> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            throw new FormatException("the vhci_hcd status is empty (no header line)");
        }

        var header = Fields(lines[0]);
        var hasHub = header.Length > 0 && header[0] == "hub";
        if (!hasHub && (header.Length == 0 || header[0] is not ("prt" or "port")))
        {
            throw new FormatException($"unknown vhci_hcd status header '{lines[0]}'");
        }

        var ports = new List<VhciPortStatus>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            ports.Add(hasHub ? ParseWithHub(lines[i], i + 1) : ParseWithoutHub(lines[i], i + 1));
        }

        return ports;
    }

    /// <summary>The hub a device of this speed attaches to: super speed (and faster) to "ss", everything else to "hs".</summary>
    /// <param name="speed">The device's speed.</param>
    public static VhciHub HubFor(UsbSpeed speed) => speed >= UsbSpeed.Super ? VhciHub.Super : VhciHub.High;

    /// <summary>
    /// The lowest free port of the hub a device of <paramref name="speed"/> needs, leaving out
    /// <paramref name="reserved"/> ones (chosen for an attach that the status does not show yet); null when there is none.
    /// </summary>
    /// <param name="ports">Every controller's ports.</param>
    /// <param name="speed">The device's speed.</param>
    /// <param name="reserved">Ports already promised to another attach.</param>
    public static int? ChooseFreePort(IEnumerable<VhciPortStatus> ports, UsbSpeed speed, IReadOnlySet<int>? reserved = null)
    {
        var hub = HubFor(speed);
        return ports
            .Where(p => p.Hub == hub && p.IsFree && reserved?.Contains(p.Port) != true)
            .OrderBy(p => p.Port)
            .Select(p => (int?)p.Port)
            .FirstOrDefault();
    }

    private static VhciPortStatus ParseWithHub(string line, int number)
    {
        // "hs  0000 004 000 00000000 000000 0-0"; a controller not ready yet prints a longer sockfd column.
        var fields = Fields(line);
        if (fields.Length < 7)
        {
            throw Malformed(line, number);
        }

        var hub = fields[0] switch
        {
            "hs" => VhciHub.High,
            "ss" => VhciHub.Super,
            _ => throw Malformed(line, number),
        };
        return new VhciPortStatus(hub, Decimal(fields[1], line, number), Decimal(fields[2], line, number),
            Decimal(fields[3], line, number), Hex(fields[4], line, number), fields[^1]);
    }

    private static VhciPortStatus ParseWithoutHub(string line, int number)
    {
        // Attached: "0000 006 003 00010002 c5a7bb80 1-2.3" (devid in hex). A free port of the oldest format:
        // "000 004 000 000 000 0000000000000000 0-0" (bus and dev apart, all zero).
        var fields = Fields(line);
        if (fields.Length < 6)
        {
            throw Malformed(line, number);
        }

        var state = Decimal(fields[1], line, number);
        var devId = fields.Length == 6 ? Hex(fields[3], line, number) : 0u;
        return new VhciPortStatus(VhciHub.High, Decimal(fields[0], line, number), state, Decimal(fields[2], line, number), devId, fields[^1]);
    }

    private static string[] Fields(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static int Decimal(string field, string line, int number) =>
        int.TryParse(field, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed(line, number);

    private static uint Hex(string field, string line, int number) =>
        uint.TryParse(field, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed(line, number);

    private static FormatException Malformed(string line, int number) =>
        new($"vhci_hcd status line {number} is malformed: '{line}'");
}
