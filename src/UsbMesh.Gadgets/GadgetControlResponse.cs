namespace UsbMesh.Gadgets;

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
