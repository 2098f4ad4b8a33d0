using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using UsbMesh.Usb;

namespace UsbMesh.UsbIp;

/// <summary>
/// Server side: whether the endpoint a CMD_SUBMIT addresses is isochronous. USB/IP's header does not say; the
/// kernel's stub asks the device's endpoint descriptor, and so must the caller. Called once per parse attempt, so it
/// may run more than once for the same message while its bytes arrive: it must be a pure lookup.
/// </summary>
/// <param name="devId">The header's devid ((busnum &lt;&lt; 16) | devnum).</param>
/// <param name="direction">The header's direction.</param>
/// <param name="endpoint">The endpoint number (0–15).</param>
public delegate bool UsbIpIsochronousLookup(uint devId, UsbIpDirection direction, uint endpoint);

/// <summary>
/// Client side: what was asked in the CMD_SUBMIT a RET_SUBMIT answers. A reply's header carries direction 0 and ep 0,
/// so only the request tells whether data follows and whether ISO descriptors follow (vhci_rx.c finds the URB by
/// seqnum the same way). Must be a pure lookup: it may be called more than once while a message's bytes arrive; the
/// caller removes the pending entry after the message is parsed.
/// </summary>
/// <param name="seqnum">The reply's seqnum.</param>
/// <param name="submit">The request's shape, when the seqnum is pending.</param>
public delegate bool UsbIpSubmitLookup(uint seqnum, out UsbIpSubmitInfo submit);

/// <summary>The shape of a pending CMD_SUBMIT, as a client-side parser needs it to frame the RET_SUBMIT.</summary>
/// <param name="Direction">The request's direction: IN replies carry actual_length bytes of data.</param>
/// <param name="IsIsochronous">Whether ISO descriptors follow the data.</param>
/// <param name="TransferBufferLength">The request's buffer size; an IN reply's actual_length may not exceed it.</param>
/// <param name="NumberOfPackets">The request's ISO packet count; a reply may not carry more (the URB's allocation).</param>
public readonly record struct UsbIpSubmitInfo(
    UsbIpDirection Direction,
    bool IsIsochronous,
    int TransferBufferLength,
    int NumberOfPackets = 0);

/// <summary>
/// Parses the URB phase incrementally: a server parses CMD_SUBMIT and CMD_UNLINK, a client RET_SUBMIT and
/// RET_UNLINK. As soon as a header is readable every length in it is checked against <see cref="UsbIpLimits"/>
/// (and, on the client, against the pending request); the payload is copied out only once the whole message is
/// buffered, into an array of the checked size. Stateless between messages; on
/// <see cref="UsbIpParseResult.NeedMoreData"/> the buffer is untouched.
/// <para>
/// Framing: CMD_SUBMIT carries transfer_buffer_length bytes for OUT, none for IN; RET_SUBMIT carries actual_length
/// bytes for IN, none for OUT; ISO descriptors (16 bytes each) follow the data, number_of_packets of them, only
/// when the endpoint is isochronous. Non-ISO number_of_packets is never interpreted (docs/USBIP.md).
/// </para>
/// </summary>
public sealed class UsbIpUrbParser
{
    private readonly UsbIpLimits _limits;
    private readonly UsbIpIsochronousLookup? _isIsochronous;
    private readonly UsbIpSubmitLookup? _submits;

    private UsbIpUrbParser(UsbIpLimits limits, UsbIpIsochronousLookup? isIsochronous, UsbIpSubmitLookup? submits)
    {
        _limits = limits;
        _isIsochronous = isIsochronous;
        _submits = submits;
    }

    /// <summary>Which side this parser serves.</summary>
    public UsbIpRole Role => _submits is null ? UsbIpRole.Server : UsbIpRole.Client;

    /// <summary>A parser for the exporting side (receives commands).</summary>
    /// <param name="isIsochronous">Tells whether an endpoint is isochronous.</param>
    /// <param name="limits">The caps; <see cref="UsbIpLimits.Default"/> when null.</param>
    public static UsbIpUrbParser ForServer(UsbIpIsochronousLookup isIsochronous, UsbIpLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(isIsochronous);
        return new UsbIpUrbParser(limits ?? UsbIpLimits.Default, isIsochronous, null);
    }

    /// <summary>A parser for the importing side (receives replies).</summary>
    /// <param name="submits">Finds the pending CMD_SUBMIT of a RET_SUBMIT.</param>
    /// <param name="limits">The caps; <see cref="UsbIpLimits.Default"/> when null.</param>
    public static UsbIpUrbParser ForClient(UsbIpSubmitLookup submits, UsbIpLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(submits);
        return new UsbIpUrbParser(limits ?? UsbIpLimits.Default, null, submits);
    }

    /// <summary>Tries to parse one URB message from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Received bytes; advanced past the message when one is parsed.</param>
    /// <param name="message">The message, when <see cref="UsbIpParseResult.Parsed"/>.</param>
    /// <param name="error">The reason, when <see cref="UsbIpParseResult.Error"/>.</param>
    public UsbIpParseResult TryParse(
        ref ReadOnlySequence<byte> buffer,
        out UsbIpUrbMessage? message,
        out UsbIpProtocolException? error)
    {
        message = null;
        error = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadBigEndian(out int rawCommand))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        // The command is judged from its first 4 bytes, so garbage fails without waiting for a whole header.
        var command = (uint)rawCommand;
        if (command is < UsbIpConstants.CmdSubmit or > UsbIpConstants.RetUnlink)
        {
            error = new UsbIpProtocolException(UsbIpErrorReason.UnknownCommand, $"URB header command 0x{command:x8} is not a USB/IP command");
            return UsbIpParseResult.Error;
        }

        var isCommand = command is UsbIpConstants.CmdSubmit or UsbIpConstants.CmdUnlink;
        if (isCommand != (Role == UsbIpRole.Server))
        {
            error = new UsbIpProtocolException(
                UsbIpErrorReason.UnexpectedCommand,
                $"URB header command {Name(command)} is not expected by a {Role.ToString().ToLowerInvariant()}");
            return UsbIpParseResult.Error;
        }

        if (reader.Remaining < UsbIpConstants.UrbHeaderLength - 4)
        {
            return UsbIpParseResult.NeedMoreData;
        }

        reader.TryReadBigEndian(out int seqnum);
        reader.TryReadBigEndian(out int devId);
        reader.TryReadBigEndian(out int direction);
        reader.TryReadBigEndian(out int endpoint);
        var basic = new Basic((uint)seqnum, (uint)devId, (UsbIpDirection)(uint)direction, (uint)endpoint);
        UsbIpParseResult result;
        switch (command)
        {
            case UsbIpConstants.CmdSubmit:
                result = ParseCmdSubmit(ref reader, basic, out message, out error);
                break;
            case UsbIpConstants.RetSubmit:
                result = ParseRetSubmit(ref reader, basic, out message, out error);
                break;
            case UsbIpConstants.CmdUnlink:
                reader.TryReadBigEndian(out int unlinkSeqnum);
                reader.Advance(24);
                message = new UsbIpCmdUnlink(basic.Seqnum, basic.DevId, basic.Direction, basic.Endpoint, (uint)unlinkSeqnum);
                result = UsbIpParseResult.Parsed;
                break;
            default:
                reader.TryReadBigEndian(out int unlinkStatus);
                reader.Advance(24);
                message = new UsbIpRetUnlink(basic.Seqnum, unlinkStatus, basic.DevId, basic.Direction, basic.Endpoint);
                result = UsbIpParseResult.Parsed;
                break;
        }

        if (result == UsbIpParseResult.Parsed)
        {
            buffer = buffer.Slice(reader.Position);
        }

        return result;
    }

    private UsbIpParseResult ParseCmdSubmit(
        ref SequenceReader<byte> reader,
        Basic basic,
        out UsbIpUrbMessage? message,
        out UsbIpProtocolException? error)
    {
        message = null;
        error = null;
        reader.TryReadBigEndian(out int transferFlags);
        reader.TryReadBigEndian(out int transferBufferLength);
        reader.TryReadBigEndian(out int startFrame);
        reader.TryReadBigEndian(out int numberOfPackets);
        reader.TryReadBigEndian(out int interval);
        Span<byte> setupBytes = stackalloc byte[8];
        reader.TryCopyTo(setupBytes);
        reader.Advance(8);

        if (basic.Direction is not (UsbIpDirection.Out or UsbIpDirection.In))
        {
            error = new UsbIpProtocolException(
                UsbIpErrorReason.InvalidDirection,
                $"CMD_SUBMIT direction {(uint)basic.Direction} is neither 0 (out) nor 1 (in)");
            return UsbIpParseResult.Error;
        }

        if (!CheckLength("CMD_SUBMIT transfer_buffer_length", transferBufferLength, _limits.MaxTransferBufferLength, out error))
        {
            return UsbIpParseResult.Error;
        }

        var isIso = _isIsochronous!(basic.DevId, basic.Direction, basic.Endpoint);
        var packets = 0;
        if (isIso)
        {
            if (!CheckLength("CMD_SUBMIT number_of_packets", numberOfPackets, _limits.MaxIsoPackets, out error))
            {
                return UsbIpParseResult.Error;
            }

            packets = numberOfPackets;
        }

        var dataLength = basic.Direction == UsbIpDirection.Out ? transferBufferLength : 0;
        if (reader.Remaining < dataLength + ((long)packets * UsbIpConstants.IsoPacketDescriptorLength))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var data = ReadData(ref reader, dataLength);
        var iso = ReadIsoPackets(ref reader, packets);
        var setup = SetupPacket.Parse(setupBytes);
        message = new UsbIpCmdSubmit(
            basic.Seqnum,
            basic.DevId,
            basic.Direction,
            basic.Endpoint,
            (uint)transferFlags,
            transferBufferLength,
            startFrame,
            numberOfPackets,
            interval,
            setup,
            data,
            iso);
        return UsbIpParseResult.Parsed;
    }

    private UsbIpParseResult ParseRetSubmit(
        ref SequenceReader<byte> reader,
        Basic basic,
        out UsbIpUrbMessage? message,
        out UsbIpProtocolException? error)
    {
        message = null;
        error = null;
        reader.TryReadBigEndian(out int status);
        reader.TryReadBigEndian(out int actualLength);
        reader.TryReadBigEndian(out int startFrame);
        reader.TryReadBigEndian(out int numberOfPackets);
        reader.TryReadBigEndian(out int errorCount);
        reader.Advance(8);

        // docs/USBIP.md: a reply for an unknown seqnum is fatal to the Linux client; here it cannot even be framed.
        if (!_submits!(basic.Seqnum, out var submit))
        {
            error = new UsbIpProtocolException(
                UsbIpErrorReason.UnknownSeqnum,
                $"RET_SUBMIT seqnum {basic.Seqnum} answers no pending CMD_SUBMIT");
            return UsbIpParseResult.Error;
        }

        var dataLength = 0;
        if (submit.Direction == UsbIpDirection.In)
        {
            if (!CheckLength("RET_SUBMIT actual_length", actualLength, _limits.MaxTransferBufferLength, out error))
            {
                return UsbIpParseResult.Error;
            }

            if (actualLength > submit.TransferBufferLength)
            {
                error = new UsbIpProtocolException(
                    UsbIpErrorReason.InconsistentLength,
                    $"RET_SUBMIT actual_length {actualLength} exceeds the request's transfer_buffer_length {submit.TransferBufferLength}");
                return UsbIpParseResult.Error;
            }

            dataLength = actualLength;
        }

        var packets = 0;
        if (submit.IsIsochronous)
        {
            var cap = Math.Min(_limits.MaxIsoPackets, Math.Max(submit.NumberOfPackets, 0));
            if (!CheckLength("RET_SUBMIT number_of_packets", numberOfPackets, cap, out error))
            {
                return UsbIpParseResult.Error;
            }

            packets = numberOfPackets;
        }

        if (reader.Remaining < dataLength + ((long)packets * UsbIpConstants.IsoPacketDescriptorLength))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var data = ReadData(ref reader, dataLength);
        var iso = ReadIsoPackets(ref reader, packets);
        if (submit.IsIsochronous && packets > 0)
        {
            // The packets' actual_length values must add up to actual_length, IN or OUT (usbip_recv_iso on the
            // client tears the connection down otherwise); for IN that also accounts for every packed data byte.
            long total = 0;
            foreach (var packet in iso)
            {
                total += packet.ActualLength;
            }

            if (total != actualLength)
            {
                error = new UsbIpProtocolException(
                    UsbIpErrorReason.InconsistentLength,
                    $"RET_SUBMIT ISO packets' actual_length sum {total} differs from actual_length {actualLength}");
                return UsbIpParseResult.Error;
            }
        }

        message = new UsbIpRetSubmit(
            basic.Seqnum,
            status,
            actualLength,
            startFrame,
            numberOfPackets,
            errorCount,
            data,
            iso,
            basic.DevId,
            basic.Direction,
            basic.Endpoint);
        return UsbIpParseResult.Parsed;
    }

    private static bool CheckLength(string field, int value, int limit, out UsbIpProtocolException? error)
    {
        error = value < 0
            ? new UsbIpProtocolException(UsbIpErrorReason.NegativeLength, $"{field} {value} is negative")
            : value > limit
                ? new UsbIpProtocolException(UsbIpErrorReason.LimitExceeded, $"{field} {value} exceeds the limit {limit}")
                : null;
        return error is null;
    }

    /// <summary>Copies a checked, fully buffered payload into an array of its own.</summary>
    private static ReadOnlyMemory<byte> ReadData(ref SequenceReader<byte> reader, int length)
    {
        if (length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var data = GC.AllocateUninitializedArray<byte>(length);
        reader.TryCopyTo(data);
        reader.Advance(length);
        return data;
    }

    private static ImmutableArray<UsbIpIsoPacketDescriptor> ReadIsoPackets(ref SequenceReader<byte> reader, int count)
    {
        if (count == 0)
        {
            return [];
        }

        var packets = new UsbIpIsoPacketDescriptor[count];
        for (var i = 0; i < count; i++)
        {
            reader.TryReadBigEndian(out int offset);
            reader.TryReadBigEndian(out int length);
            reader.TryReadBigEndian(out int actualLength);
            reader.TryReadBigEndian(out int status);
            packets[i] = new UsbIpIsoPacketDescriptor((uint)offset, (uint)length, (uint)actualLength, status);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(packets);
    }

    private static string Name(uint command) => command switch
    {
        UsbIpConstants.CmdSubmit => "CMD_SUBMIT",
        UsbIpConstants.CmdUnlink => "CMD_UNLINK",
        UsbIpConstants.RetSubmit => "RET_SUBMIT",
        _ => "RET_UNLINK",
    };

    private readonly record struct Basic(uint Seqnum, uint DevId, UsbIpDirection Direction, uint Endpoint);
}
