namespace UsbMesh.Gadgets;

/// <summary>
/// The eight-byte SETUP packet of a control transfer, reduced to what gadget class logic needs. Kept local to the
/// gadgets so their logic does not depend on the USB model; the device actors translate their setup packet into
/// this when they route class requests here.
/// </summary>
/// <param name="RequestType">bmRequestType: bit 7 direction (1 = device to host), bits 6..5 type, bits 4..0 recipient.</param>
/// <param name="Request">bRequest.</param>
/// <param name="Value">wValue.</param>
/// <param name="Index">wIndex (for interface requests the interface number in the low byte).</param>
/// <param name="Length">wLength: the most bytes the host accepts (IN) or the bytes it sends (OUT).</param>
public readonly record struct GadgetControlRequest(byte RequestType, byte Request, ushort Value, ushort Index, ushort Length)
{
    /// <summary>True when the data stage (if any) goes from device to host.</summary>
    public bool IsDeviceToHost => (RequestType & 0x80) != 0;

    /// <summary>True for class requests (bmRequestType type bits = 01).</summary>
    public bool IsClass => (RequestType & 0x60) == 0x20;

    /// <summary>True when the recipient is an interface (bmRequestType recipient bits = 00001).</summary>
    public bool IsToInterface => (RequestType & 0x1F) == 0x01;
}

/// <summary>How a control request ends.</summary>
public enum GadgetControlOutcome
{
    /// <summary>Accepted; the status stage completes (IN data, if any, is in <see cref="GadgetControlResponse.Data"/>).</summary>
    Ack,

    /// <summary>Refused: the control endpoint stalls the request (the host sees EPIPE).</summary>
    Stall,
}

/// <summary>The answer to a control request: outcome and, for IN requests, the bytes (already cut to wLength).</summary>
/// <param name="Outcome">Ack or Stall.</param>
/// <param name="Data">IN data stage bytes; empty for OUT requests and stalls.</param>
public readonly record struct GadgetControlResponse(GadgetControlOutcome Outcome, ReadOnlyMemory<byte> Data)
{
    /// <summary>A request refused with a protocol stall.</summary>
    public static GadgetControlResponse Stall { get; } = new(GadgetControlOutcome.Stall, ReadOnlyMemory<byte>.Empty);

    /// <summary>An accepted request without an IN data stage.</summary>
    public static GadgetControlResponse Ack { get; } = new(GadgetControlOutcome.Ack, ReadOnlyMemory<byte>.Empty);

    /// <summary>An accepted IN request answering <paramref name="data"/>, cut to the host's <paramref name="length"/>.</summary>
    /// <param name="data">The full answer.</param>
    /// <param name="length">wLength of the request.</param>
    public static GadgetControlResponse In(byte[] data, ushort length) =>
        new(GadgetControlOutcome.Ack, data.AsMemory(0, Math.Min(data.Length, length)));
}
