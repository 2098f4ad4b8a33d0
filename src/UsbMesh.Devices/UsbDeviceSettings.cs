using UsbMesh.Actors.Dispatch;

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
/// <param name="Dispatcher">
/// The dispatcher of the device's actor and its endpoint pipes. Their messages to each other are a device's
/// critical path (a request reaches the pipe through the device; the completion goes back through it), so a
/// dispatcher of a few dedicated threads (<c>ForkJoinDispatcher</c>) keeps them off the busy thread pool.
/// </param>
public sealed record UsbDeviceSettings(int MaxUrbsPerEndpoint = 128, string Dispatcher = Dispatchers.DefaultDispatcherId)
{
    /// <summary>The defaults.</summary>
    public static readonly UsbDeviceSettings Default = new();
}
