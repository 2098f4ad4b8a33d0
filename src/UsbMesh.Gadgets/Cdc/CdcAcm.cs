using System.Buffers.Binary;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Cdc;

/// <summary>bCharFormat of a line coding: stop bits.</summary>
public enum CdcStopBits : byte
{
    /// <summary>1 stop bit.</summary>
    One = 0,

    /// <summary>1.5 stop bits.</summary>
    OnePointFive = 1,

    /// <summary>2 stop bits.</summary>
    Two = 2,
}

/// <summary>bParityType of a line coding.</summary>
public enum CdcParity : byte
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Odd.</summary>
    Odd = 1,

    /// <summary>Even.</summary>
    Even = 2,

    /// <summary>Mark.</summary>
    Mark = 3,

    /// <summary>Space.</summary>
    Space = 4,
}

/// <summary>
/// The line coding structure of CDC PSTN 1.2, 6.3.11 (7 bytes, little-endian): dwDTERate (bits per second),
/// bCharFormat, bParityType, bDataBits (5, 6, 7, 8 or 16).
/// </summary>
/// <param name="BaudRate">dwDTERate.</param>
/// <param name="StopBits">bCharFormat.</param>
/// <param name="Parity">bParityType.</param>
/// <param name="DataBits">bDataBits.</param>
public readonly record struct CdcLineCoding(uint BaudRate, CdcStopBits StopBits, CdcParity Parity, byte DataBits)
{
    /// <summary>Size on the wire.</summary>
    public const int Length = 7;

    /// <summary>9600 8N1, the coding before the host sets one.</summary>
    public static CdcLineCoding Default { get; } = new(9600, CdcStopBits.One, CdcParity.None, 8);

    /// <summary>Parses 7 bytes; false when the length is short or a field holds a value the specification does not define.</summary>
    /// <param name="data">The SET_LINE_CODING data stage.</param>
    /// <param name="coding">The parsed coding.</param>
    public static bool TryParse(ReadOnlySpan<byte> data, out CdcLineCoding coding)
    {
        coding = default;
        if (data.Length < Length || data[4] > 2 || data[5] > 4 || data[6] is not (5 or 6 or 7 or 8 or 16))
        {
            return false;
        }

        coding = new CdcLineCoding(
            BinaryPrimitives.ReadUInt32LittleEndian(data), (CdcStopBits)data[4], (CdcParity)data[5], data[6]);
        return true;
    }

    /// <summary>Writes the 7 bytes.</summary>
    /// <param name="destination">At least 7 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, BaudRate);
        destination[4] = (byte)StopBits;
        destination[5] = (byte)Parity;
        destination[6] = DataBits;
    }

    /// <summary>The 7 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }
}

/// <summary>What the host has set on the emulated serial port.</summary>
/// <param name="LineCoding">Rate and framing.</param>
/// <param name="Dtr">Data Terminal Ready (SET_CONTROL_LINE_STATE bit 0): the host has the port open.</param>
/// <param name="Rts">Request To Send (bit 1).</param>
/// <param name="BreakMilliseconds">Last SEND_BREAK duration: 0 = no break, 0xFFFF = until the next SEND_BREAK(0).</param>
public sealed record CdcAcmState(CdcLineCoding LineCoding, bool Dtr, bool Rts, ushort BreakMilliseconds)
{
    /// <summary>After reset: 9600 8N1, lines low, no break.</summary>
    public static CdcAcmState Initial { get; } = new(CdcLineCoding.Default, false, false, 0);
}

/// <summary>Serial state bits of the SERIAL_STATE notification (CDC PSTN 1.2, 6.5.4).</summary>
[Flags]
public enum CdcSerialState : ushort
{
    /// <summary>No bit.</summary>
    None = 0,

    /// <summary>bRxCarrier: DCD.</summary>
    RxCarrier = 0x01,

    /// <summary>bTxCarrier: DSR.</summary>
    TxCarrier = 0x02,

    /// <summary>bBreak: break detected.</summary>
    Break = 0x04,

    /// <summary>bRingSignal.</summary>
    RingSignal = 0x08,

    /// <summary>bFraming error.</summary>
    Framing = 0x10,

    /// <summary>bParity error.</summary>
    Parity = 0x20,

    /// <summary>bOverRun: data lost.</summary>
    OverRun = 0x40,
}

/// <summary>
/// CDC-ACM class requests as pure functions of state and SETUP packet (SET_LINE_CODING, GET_LINE_CODING,
/// SET_CONTROL_LINE_STATE, SEND_BREAK), and the SERIAL_STATE notification for the interrupt endpoint.
/// </summary>
public static class CdcAcmRequests
{
    /// <summary>SET_LINE_CODING.</summary>
    public const byte SetLineCoding = 0x20;

    /// <summary>GET_LINE_CODING.</summary>
    public const byte GetLineCoding = 0x21;

    /// <summary>SET_CONTROL_LINE_STATE.</summary>
    public const byte SetControlLineState = 0x22;

    /// <summary>SEND_BREAK.</summary>
    public const byte SendBreak = 0x23;

    /// <summary>bNotification of SERIAL_STATE.</summary>
    public const byte SerialStateNotification = 0x20;

    /// <summary>Size of the SERIAL_STATE notification: 8-byte header plus the 2-byte UART state bitmap.</summary>
    public const int SerialStateLength = 10;

    /// <summary>Answers <paramref name="request"/> in <paramref name="state"/>; returns the response and the next state.</summary>
    /// <param name="state">The current state.</param>
    /// <param name="request">The SETUP packet (a class request to the communication interface).</param>
    /// <param name="outData">The OUT data stage (SET_LINE_CODING); empty otherwise.</param>
    public static (GadgetControlResponse Response, CdcAcmState State) Handle(
        CdcAcmState state, SetupPacket request, ReadOnlySpan<byte> outData = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (request.Type != RequestType.Class || request.Recipient != RequestRecipient.Interface)
        {
            return (GadgetControlResponse.Stall, state);
        }

        if (request.Direction == UsbDirection.In)
        {
            return request.Request == GetLineCoding && request.Value == 0
                ? (GadgetControlResponse.In(state.LineCoding.ToArray(), request.Length), state)
                : (GadgetControlResponse.Stall, state);
        }

        switch (request.Request)
        {
            case SetLineCoding when request.Value == 0 && request.Length == CdcLineCoding.Length:
                return CdcLineCoding.TryParse(outData, out var coding)
                    ? (GadgetControlResponse.Ack, state with { LineCoding = coding })
                    : (GadgetControlResponse.Stall, state);
            case SetControlLineState when request.Length == 0 && (request.Value & ~0x03) == 0:
                return (GadgetControlResponse.Ack,
                    state with { Dtr = (request.Value & 0x01) != 0, Rts = (request.Value & 0x02) != 0 });
            case SendBreak when request.Length == 0:
                return (GadgetControlResponse.Ack, state with { BreakMilliseconds = request.Value });
            default:
                return (GadgetControlResponse.Stall, state);
        }
    }

    /// <summary>
    /// Writes the SERIAL_STATE notification: bmRequestType 0xA1, bNotification 0x20, wValue 0, wIndex interface,
    /// wLength 2, then the UART state bitmap (little-endian).
    /// </summary>
    /// <param name="destination">At least 10 bytes.</param>
    /// <param name="interfaceNumber">The communication interface number.</param>
    /// <param name="serialState">The UART state bits.</param>
    public static void WriteSerialState(Span<byte> destination, byte interfaceNumber, CdcSerialState serialState)
    {
        var d = destination[..SerialStateLength];
        d[0] = 0xA1;
        d[1] = SerialStateNotification;
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], interfaceNumber);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(d[8..], (ushort)serialState);
    }
}
