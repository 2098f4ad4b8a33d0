namespace UsbMesh.Gadgets.MassStorage;

/// <summary>What INQUIRY reports about the emulated disk. Strings are ASCII, cut and space-padded to their fields.</summary>
/// <param name="Vendor">T10 vendor identification (8 characters).</param>
/// <param name="Product">Product identification (16 characters).</param>
/// <param name="Revision">Product revision level (4 characters).</param>
/// <param name="Serial">Unit serial number (VPD page 0x80), at most 32 characters.</param>
public sealed record ScsiIdentity(string Vendor, string Product, string Revision, string Serial)
{
    /// <summary>The identity used when the configuration gives none.</summary>
    public static ScsiIdentity Default { get; } = new("UsbMesh", "Virtual Disk", "1.0", "USBMESH0001");

    internal static void WriteAscii(string text, Span<byte> field)
    {
        field.Fill((byte)' ');
        var count = Math.Min(text.Length, field.Length);
        for (var i = 0; i < count; i++)
        {
            var c = text[i];
            field[i] = c is >= ' ' and <= '~' ? (byte)c : (byte)'_';
        }
    }
}
