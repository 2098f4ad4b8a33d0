using UsbMesh.Devices;
using UsbMesh.Usb;

namespace UsbMesh.Sessions;

/// <summary>Between a device actor's <see cref="UsbDevice.Info"/> and the description a session carries.</summary>
public static class SessionDevices
{
    public static SessionDevice Describe(UsbDevice.Info info, uint devId) =>
        new((byte)info.Speed, info.ActiveConfigurationValue, devId, info.Device.ToBytes(), [.. info.Configurations.Select(c => c.ToBytes())]);

    /// <summary>The device as the importing node's actors see it.</summary>
    /// <exception cref="UsbDescriptorException">A descriptor does not parse.</exception>
    public static UsbDevice.Info ToInfo(SessionDevice device, Actors.IActorRef? holder) =>
        new(DeviceDescriptor.Parse(device.DeviceDescriptor),
            [.. device.Configurations.Select(c => ConfigurationDescriptor.Parse(c))],
            (UsbSpeed)device.Speed, device.ActiveConfiguration, holder, new HashSet<byte>());
}
