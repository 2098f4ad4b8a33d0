using UsbMesh.Usb;

namespace UsbMesh.Devices.Emulated;

/// <summary>Answers the standard GET_DESCRIPTOR requests of an emulated device from its descriptors.</summary>
public static class DescriptorRequests
{
    /// <summary>
    /// Answers a GET_DESCRIPTOR for the device or one of its configurations (at most wLength bytes), or stalls one for
    /// a descriptor the device does not have. Returns false for every other request, which the caller handles.
    /// </summary>
    /// <param name="request">A control request.</param>
    /// <param name="device">The device descriptor.</param>
    /// <param name="configurations">The configurations, by index.</param>
    /// <param name="result">The answer, when the request was a GET_DESCRIPTOR.</param>
    public static bool TryAnswer(UrbRequest request, DeviceDescriptor device, IReadOnlyList<ConfigurationDescriptor> configurations, out UrbResult result)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Setup is not { } setup || !setup.IsGetDescriptor(out var type, out var index, out _))
        {
            result = UrbResult.Failed(UrbStatus.Stall);
            return false;
        }

        byte[]? descriptor = type switch
        {
            DescriptorTypes.Device => device.ToBytes(),
            DescriptorTypes.Configuration when index < configurations.Count => configurations[index].ToBytes(),
            _ => null,
        };
        if (descriptor is null)
        {
            result = UrbResult.Failed(UrbStatus.Stall);
            return true;
        }

        var length = Math.Min(descriptor.Length, request.TransferLength);
        result = UrbResult.Transferred(request, length, descriptor.AsMemory(0, length));
        return true;
    }
}
