using UsbMesh.Actors;

namespace UsbMesh.Usbipd;

/// <summary>One device offered on the usbipd-compatible endpoint.</summary>
/// <param name="BusId">The bus id clients import it by ("1-1"); at most 31 ASCII characters.</param>
/// <param name="Path">The sysfs-like path shown in device lists; at most 255 ASCII characters.</param>
/// <param name="BusNum">The bus number of the device record (and of devid = busnum &lt;&lt; 16 | devnum).</param>
/// <param name="DevNum">The device number of the device record.</param>
/// <param name="Device">The device actor (<see cref="Devices.UsbDeviceActor"/> protocol).</param>
/// <param name="ShareWith">Which mesh peers may see and import it: peer names, or <c>*</c> (every trusted peer; the default).</param>
public sealed record ExportedDevice(string BusId, string Path, int BusNum, int DevNum, IActorRef Device, IReadOnlyList<string>? ShareWith = null)
{
    /// <summary>The peers it is shared with: <see cref="ShareWith"/>, every trusted peer when not given.</summary>
    public IReadOnlyList<string> SharedWith => ShareWith ?? ["*"];

    /// <summary>The devid of URB headers: (busnum &lt;&lt; 16) | devnum.</summary>
    public uint DevId => ((uint)BusNum << 16) | (uint)(DevNum & 0xFFFF);
}

/// <summary>
/// The protocol of <see cref="ExportsActor"/>: the registry of exported devices. Only registered devices are
/// listed or importable; a device actor that stops is dropped from it.
/// </summary>
public static class Exports
{
    /// <summary>Offers a device (replacing one with the same bus id). Answer: <see cref="Registered"/> or <see cref="Rejected"/>.</summary>
    /// <param name="Device">The device.</param>
    public sealed record Register(ExportedDevice Device);

    /// <summary>The device is offered.</summary>
    /// <param name="BusId">Its bus id.</param>
    public sealed record Registered(string BusId);

    /// <summary>The registration was refused.</summary>
    /// <param name="BusId">The bus id asked for.</param>
    /// <param name="Reason">Why.</param>
    public sealed record Rejected(string BusId, string Reason);

    /// <summary>Withdraws an offer. Answer: <see cref="Unregistered"/> (also when it was not registered). Existing leases are not affected.</summary>
    /// <param name="BusId">The bus id.</param>
    public sealed record Unregister(string BusId);

    /// <summary>The offer is withdrawn.</summary>
    /// <param name="BusId">The bus id.</param>
    public sealed record Unregistered(string BusId);

    /// <summary>Asks for <see cref="Devices"/>.</summary>
    public sealed record List
    {
        /// <summary>The shared instance.</summary>
        public static readonly List Instance = new();
    }

    /// <summary>The exported devices, ordered by bus id.</summary>
    /// <param name="Items">The devices.</param>
    public sealed record Devices(IReadOnlyList<ExportedDevice> Items);
}
