using System.Globalization;

namespace UsbMesh.UsbHost;

/// <summary>
/// Which devices a rule names. A device matches when every field given matches; a match with no field matches every
/// device. Fields: <c>vid-pid</c> (<c>"0781:5567"</c>, <c>"0781:*"</c>), <c>bus-id</c> (the port path, <c>"1-1.2"</c>;
/// <c>"1-1.*"</c> for everything behind that hub port), <c>serial</c> (exact), <c>class</c> (a name such as
/// <c>"mass-storage"</c> or <c>0x08</c>; the device's or any interface's class).
/// </summary>
public sealed record DeviceMatch
{
    /// <summary>Matches every device.</summary>
    public static readonly DeviceMatch Any = new();

    /// <summary>idVendor to match, or null for any.</summary>
    public ushort? VendorId { get; init; }

    /// <summary>idProduct to match, or null for any.</summary>
    public ushort? ProductId { get; init; }

    /// <summary>A bus id, or a prefix ending in <c>.*</c> or <c>-*</c> for a hub's subtree; null for any.</summary>
    public string? BusId { get; init; }

    /// <summary>The serial number, or null for any.</summary>
    public string? Serial { get; init; }

    /// <summary>A class code the device or one of its interfaces has, or null for any.</summary>
    public byte? Class { get; init; }

    /// <summary>The product name (case ignored), or null for any.</summary>
    public string? Name { get; init; }

    /// <summary>Parses a <c>vid-pid</c> value: <c>"0781:5567"</c>, <c>"0781:*"</c> or <c>"*:5567"</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="vendorId">The vendor, or null for *.</param>
    /// <param name="productId">The product, or null for *.</param>
    public static bool TryParseVidPid(string text, out ushort? vendorId, out ushort? productId)
    {
        ArgumentNullException.ThrowIfNull(text);
        vendorId = productId = null;
        var parts = text.Trim().Split(':');
        return parts.Length == 2 && TryParseId(parts[0], out vendorId) && TryParseId(parts[1], out productId);

        static bool TryParseId(string part, out ushort? id)
        {
            id = null;
            if (part == "*")
            {
                return true;
            }

            if (part.Length == 4 && ushort.TryParse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                id = value;
                return true;
            }

            return false;
        }
    }

    /// <summary>Whether <paramref name="device"/> matches every field given.</summary>
    /// <param name="device">The device.</param>
    public bool Matches(UsbDeviceFacts device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return (VendorId is null || VendorId == device.VendorId)
            && (ProductId is null || ProductId == device.ProductId)
            && (BusId is null || MatchesBusId(BusId, device.BusId))
            && (Serial is null || string.Equals(Serial, device.Serial, StringComparison.Ordinal))
            && (Class is null || device.Classes.Contains(Class.Value))
            && (Name is null || string.Equals(Name, device.Product, StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var fields = new List<string>();
        if (VendorId is not null || ProductId is not null)
        {
            fields.Add($"vid-pid {VendorId?.ToString("x4", CultureInfo.InvariantCulture) ?? "*"}:{ProductId?.ToString("x4", CultureInfo.InvariantCulture) ?? "*"}");
        }

        if (BusId is not null)
        {
            fields.Add($"bus-id {BusId}");
        }

        if (Serial is not null)
        {
            fields.Add($"serial {Serial}");
        }

        if (Class is not null)
        {
            fields.Add($"class 0x{Class:x2}");
        }

        if (Name is not null)
        {
            fields.Add($"name {Name}");
        }

        return fields.Count == 0 ? "any device" : string.Join(", ", fields);
    }

    private static bool MatchesBusId(string pattern, string busId)
    {
        if (pattern.EndsWith(".*", StringComparison.Ordinal) || pattern.EndsWith("-*", StringComparison.Ordinal))
        {
            // "1-1.*" is everything behind port 1-1 (a hub), "1-*" everything on bus 1; never the hub itself.
            return busId.StartsWith(pattern[..^1], StringComparison.Ordinal) && busId.Length > pattern.Length - 1;
        }

        return string.Equals(pattern, busId, StringComparison.Ordinal);
    }
}
