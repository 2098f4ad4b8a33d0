namespace UsbMesh.Devices;

/// <summary>Limits of one device's actors.</summary>
/// <param name="MaxUrbsPerEndpoint">
/// How many URBs one endpoint pipe holds at most: those at the backend plus completions held back to keep
/// submission order (and, after a lease ends, the abandoned ones the backend has not given back yet). A URB beyond
/// it is not started and completes with <see cref="Usb.UrbStatus.Other"/> (-EPROTO, what a host controller reports
/// for a transfer it could not carry out), in its place in the order. This bounds memory per device at
/// endpoints × cap × transfer size; a Linux host rarely keeps more than a few dozen URBs per endpoint (usb-storage:
/// 1–2, uas and network drivers: tens).
/// </param>
public sealed record UsbDeviceSettings(int MaxUrbsPerEndpoint = 128)
{
    /// <summary>The defaults.</summary>
    public static readonly UsbDeviceSettings Default = new();
}
