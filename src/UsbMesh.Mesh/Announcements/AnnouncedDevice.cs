using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Announcements;

/// <summary>One device a node exports, as its announcement describes it to the mesh.</summary>
/// <param name="BusId">Where the device sits on the origin's bus, as USB/IP names it (<c>1-1.2</c>).</param>
/// <param name="VendorId">The USB vendor id (idVendor).</param>
/// <param name="ProductId">The USB product id (idProduct).</param>
/// <param name="DeviceClass">The USB device class (bDeviceClass).</param>
/// <param name="Speed">The bus speed as the origin reports it (<c>high</c>, <c>super</c>, …).</param>
/// <param name="Manufacturer">The manufacturer string descriptor, if the device has one.</param>
/// <param name="Product">The product string descriptor, if the device has one.</param>
/// <param name="Serial">The serial number string descriptor, if the device has one.</param>
/// <param name="Audience">The nodes the origin lets see and import this device.</param>
public sealed record AnnouncedDevice(
    string BusId,
    ushort VendorId,
    ushort ProductId,
    byte DeviceClass,
    string Speed,
    string? Manufacturer,
    string? Product,
    string? Serial,
    IReadOnlyList<NodeId> Audience);
