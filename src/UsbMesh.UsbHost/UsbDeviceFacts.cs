namespace UsbMesh.UsbHost;

/// <summary>
/// What the export policy knows of a device before it is opened: where it is plugged in, what it says it is, and
/// the classes of the device and its interfaces.
/// </summary>
/// <param name="BusId">The Linux bus id, which is also the port path: <c>bus-port.port…</c> (e.g. <c>1-2.4</c>).</param>
/// <param name="VendorId">idVendor.</param>
/// <param name="ProductId">idProduct.</param>
/// <param name="Classes">The device class (unless it defers to its interfaces) and every interface's class.</param>
/// <param name="Serial">The serial number string, when the device has one.</param>
/// <param name="Product">The product string, for log lines and tables; never matched on.</param>
public sealed record UsbDeviceFacts(string BusId, ushort VendorId, ushort ProductId, IReadOnlySet<byte> Classes, string? Serial, string? Product)
{
    /// <summary>The device as people read it in logs: <c>1-2.4 0781:5567 "Cruzer Blade"</c>.</summary>
    public override string ToString() =>
        $"{BusId} {VendorId:x4}:{ProductId:x4}{(Product is null ? "" : $" \"{Product}\"")}";
}
