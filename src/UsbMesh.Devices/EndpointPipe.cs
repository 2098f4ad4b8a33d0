using UsbMesh.Usb;

namespace UsbMesh.Devices;

/// <summary>
/// The protocol of <see cref="EndpointPipeActor"/> beyond the <see cref="UsbDevice.Submit"/> and
/// <see cref="UsbDevice.Unlink"/> it receives (forwarded by its device with the holder as sender): lease and halt
/// control from the device, and the notifications it sends its device.
/// </summary>
public static class EndpointPipe
{
    /// <summary>
    /// From the device: the lease of the current epoch ended. URBs in flight are unlinked at the backend and their
    /// completions dropped; completions held for order are dropped; the pipe's epoch advances by one.
    /// </summary>
    public sealed record LeaseEnded
    {
        /// <summary>The shared instance.</summary>
        public static readonly LeaseEnded Instance = new();
    }

    /// <summary>From the device: the endpoint's halt was cleared (CLEAR_FEATURE, SET_INTERFACE, SET_CONFIGURATION, reset).</summary>
    public sealed record ClearHalt
    {
        /// <summary>The shared instance.</summary>
        public static readonly ClearHalt Instance = new();
    }

    /// <summary>Asks the pipe for its <see cref="State"/>.</summary>
    public sealed record GetState
    {
        /// <summary>The shared instance.</summary>
        public static readonly GetState Instance = new();
    }

    /// <summary>A pipe's state, for diagnostics and tests.</summary>
    /// <param name="Address">The endpoint address (0x00 for the control pipe, both directions).</param>
    /// <param name="Halted">Whether the endpoint stalled and was not cleared since.</param>
    /// <param name="AtBackend">URBs the backend has not given back yet (abandoned ones included).</param>
    /// <param name="HeldForOrder">Completed URBs waiting for an earlier one on this endpoint.</param>
    /// <param name="Epoch">The lease epoch.</param>
    public sealed record State(byte Address, bool Halted, int AtBackend, int HeldForOrder, int Epoch);

    /// <summary>To the device: the URB <paramref name="Seqnum"/> of lease <paramref name="Epoch"/> was answered; forget its route.</summary>
    /// <param name="Seqnum">The URB's sequence number.</param>
    /// <param name="Epoch">The lease epoch it was submitted in (a stale epoch is ignored, so a reused seqnum of the next holder keeps its route).</param>
    public sealed record Retired(long Seqnum, int Epoch);

    /// <summary>To the device: the endpoint stalled and is now halted.</summary>
    /// <param name="Address">The endpoint address.</param>
    public sealed record Halted(byte Address);

    /// <summary>
    /// To the device, from the control pipe: a request the exporter carries out itself finished (sent before the
    /// holder's reply, so the device has updated its state before the holder can act on the reply).
    /// </summary>
    /// <param name="Kind">Which request.</param>
    /// <param name="Setup">Its SETUP packet.</param>
    /// <param name="Result">Its outcome.</param>
    public sealed record SpecialRequestDone(StandardRequestKind Kind, SetupPacket Setup, UrbResult Result);
}
