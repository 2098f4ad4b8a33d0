using System.Globalization;

namespace UsbMesh.UsbHost;

/// <summary>
/// Reads what the kernel already knows of a USB device from <c>/sys/bus/usb/devices/&lt;bus id&gt;</c>: its strings
/// and its interfaces' classes, without a single transfer to the device (the kernel cached them at enumeration, and
/// asking the device again would need it opened). Where there is no sysfs, every answer is empty.
/// </summary>
public sealed class SysfsUsbDevices(string sysRoot = "/sys")
{
    private string DevicesDirectory => Path.Combine(sysRoot, "bus", "usb", "devices");

    /// <summary>A text attribute (<c>serial</c>, <c>product</c>, <c>manufacturer</c>), or null.</summary>
    /// <param name="busId">The device's bus id.</param>
    /// <param name="attribute">The attribute file name.</param>
    public string? Attribute(string busId, string attribute)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(DevicesDirectory, busId, attribute)).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The classes of the interfaces of the active configuration (<c>&lt;bus id&gt;:&lt;config&gt;.&lt;n&gt;/bInterfaceClass</c>).</summary>
    /// <param name="busId">The device's bus id.</param>
    public IReadOnlySet<byte> InterfaceClasses(string busId)
    {
        var classes = new HashSet<byte>();
        try
        {
            foreach (var interfaceDirectory in Directory.EnumerateDirectories(DevicesDirectory, busId + ":*"))
            {
                var text = File.ReadAllText(Path.Combine(interfaceDirectory, "bInterfaceClass")).Trim();
                if (byte.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                {
                    classes.Add(code);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No sysfs (or no access): the device class alone has to do.
        }

        return classes;
    }

    /// <summary>The device's real sysfs path, as <c>usbip list</c> shows it; a readable stand-in where there is none.</summary>
    /// <param name="busId">The device's bus id.</param>
    public string DevicePath(string busId)
    {
        try
        {
            return NodeOwnDevices.RealPath(Path.Combine(DevicesDirectory, busId));
        }
        catch (IOException)
        {
            return $"/sys/bus/usb/devices/{busId}";
        }
    }
}
