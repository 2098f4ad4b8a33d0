namespace UsbMesh.UsbHost;

/// <summary>
/// The class names export rules may use (<c>class = "mass-storage"</c>), or a code written as <c>0x08</c>. Names
/// follow the usb.org class list in the lower-case, hyphenated form configuration files use.
/// </summary>
public static class UsbClassNames
{
    private static readonly Dictionary<string, byte> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["audio"] = UsbClassCodes.Audio,
        ["communications"] = UsbClassCodes.Communications,
        ["cdc-acm"] = UsbClassCodes.Communications,
        ["hid"] = UsbClassCodes.Hid,
        ["physical"] = UsbClassCodes.Physical,
        ["image"] = UsbClassCodes.Image,
        ["printer"] = UsbClassCodes.Printer,
        ["mass-storage"] = UsbClassCodes.MassStorage,
        ["hub"] = UsbClassCodes.Hub,
        ["cdc-data"] = UsbClassCodes.CdcData,
        ["smart-card"] = UsbClassCodes.SmartCard,
        ["content-security"] = UsbClassCodes.ContentSecurity,
        ["video"] = UsbClassCodes.Video,
        ["personal-healthcare"] = UsbClassCodes.PersonalHealthcare,
        ["audio-video"] = UsbClassCodes.AudioVideo,
        ["billboard"] = UsbClassCodes.Billboard,
        ["diagnostic"] = UsbClassCodes.Diagnostic,
        ["wireless"] = UsbClassCodes.WirelessController,
        ["miscellaneous"] = UsbClassCodes.Miscellaneous,
        ["application-specific"] = UsbClassCodes.ApplicationSpecific,
        ["vendor-specific"] = UsbClassCodes.VendorSpecific,
    };

    /// <summary>Every accepted name, for error messages.</summary>
    public static IEnumerable<string> Names => ByName.Keys.Order(StringComparer.Ordinal);

    /// <summary>Reads a class name or a <c>0xNN</c> code.</summary>
    /// <param name="text">The text from the configuration.</param>
    /// <param name="code">The class code.</param>
    public static bool TryParse(string text, out byte code)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ByName.TryGetValue(text.Trim(), out code))
        {
            return true;
        }

        var trimmed = text.Trim();
        return trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && byte.TryParse(trimmed.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out code);
    }
}
