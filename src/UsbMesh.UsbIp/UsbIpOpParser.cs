using System.Buffers;
using System.Collections.Immutable;
using System.Text;

namespace UsbMesh.UsbIp;

/// <summary>
/// Parses the OP_ phase of a connection incrementally. A server parses OP_REQ_DEVLIST and OP_REQ_IMPORT; a client
/// parses OP_REP_DEVLIST and OP_REP_IMPORT. The parser is stateless between messages: on
/// <see cref="UsbIpParseResult.NeedMoreData"/> the buffer is left untouched (advance a pipe with consumed =
/// <c>buffer.Start</c>, examined = <c>buffer.End</c>), on <see cref="UsbIpParseResult.Parsed"/> it is sliced past
/// the message. A device list is walked twice: once to check every count against the limits and find the message's
/// end without allocating, then once to build it.
/// </summary>
public sealed class UsbIpOpParser
{
    private readonly UsbIpLimits _limits;
    private readonly UsbIpRole _role;

    public UsbIpOpParser(UsbIpRole role, UsbIpLimits? limits = null)
    {
        _role = role;
        _limits = limits ?? UsbIpLimits.Default;
    }

    /// <summary>Tries to parse one OP_ message from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Received bytes; advanced past the message when one is parsed.</param>
    /// <param name="message">The message, when <see cref="UsbIpParseResult.Parsed"/>.</param>
    /// <param name="error">The reason, when <see cref="UsbIpParseResult.Error"/>.</param>
    public UsbIpParseResult TryParse(
        ref ReadOnlySequence<byte> buffer,
        out UsbIpOpMessage? message,
        out UsbIpProtocolException? error)
    {
        message = null;
        error = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadBigEndian(out short rawVersion))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var version = (ushort)rawVersion;
        if (version != UsbIpConstants.Version)
        {
            error = new UsbIpProtocolException(
                UsbIpErrorReason.UnsupportedVersion,
                $"OP header version 0x{version:x4} is not 0x{UsbIpConstants.Version:x4}");
            return UsbIpParseResult.Error;
        }

        if (!reader.TryReadBigEndian(out short rawCode))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var code = (ushort)rawCode;
        var isRequest = code is UsbIpConstants.OpReqDevList or UsbIpConstants.OpReqImport;
        var isReply = code is UsbIpConstants.OpRepDevList or UsbIpConstants.OpRepImport;
        if (!isRequest && !isReply)
        {
            error = new UsbIpProtocolException(UsbIpErrorReason.UnknownCommand, $"OP header code 0x{code:x4} is not a USB/IP operation");
            return UsbIpParseResult.Error;
        }

        if (isRequest != (_role == UsbIpRole.Server))
        {
            error = new UsbIpProtocolException(
                UsbIpErrorReason.UnexpectedCommand,
                $"OP header code 0x{code:x4} is not expected by a {_role.ToString().ToLowerInvariant()}");
            return UsbIpParseResult.Error;
        }

        if (!reader.TryReadBigEndian(out int rawStatus))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var status = (uint)rawStatus;
        return code switch
        {
            UsbIpConstants.OpReqDevList => Complete(ref buffer, reader, new UsbIpDevListRequest(status), out message),
            UsbIpConstants.OpReqImport => ParseImportRequest(ref buffer, ref reader, status, out message),
            UsbIpConstants.OpRepImport => ParseImportReply(ref buffer, ref reader, status, out message),
            _ => ParseDevListReply(ref buffer, ref reader, status, out message, out error),
        };
    }

    private static UsbIpParseResult Complete(
        ref ReadOnlySequence<byte> buffer,
        SequenceReader<byte> reader,
        UsbIpOpMessage parsed,
        out UsbIpOpMessage? message)
    {
        buffer = buffer.Slice(reader.Position);
        message = parsed;
        return UsbIpParseResult.Parsed;
    }

    private static UsbIpParseResult ParseImportRequest(
        ref ReadOnlySequence<byte> buffer,
        ref SequenceReader<byte> reader,
        uint status,
        out UsbIpOpMessage? message)
    {
        message = null;
        if (reader.Remaining < UsbIpConstants.BusIdLength)
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var busId = ReadString(ref reader, UsbIpConstants.BusIdLength);
        return Complete(ref buffer, reader, new UsbIpImportRequest(busId, status), out message);
    }

    private static UsbIpParseResult ParseImportReply(
        ref ReadOnlySequence<byte> buffer,
        ref SequenceReader<byte> reader,
        uint status,
        out UsbIpOpMessage? message)
    {
        message = null;
        if (status != UsbIpConstants.StatusOk)
        {
            return Complete(ref buffer, reader, new UsbIpImportReply(status, null), out message);
        }

        if (reader.Remaining < UsbIpConstants.DeviceLength)
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var device = ReadDevice(ref reader);
        return Complete(ref buffer, reader, new UsbIpImportReply(status, device), out message);
    }

    private UsbIpParseResult ParseDevListReply(
        ref ReadOnlySequence<byte> buffer,
        ref SequenceReader<byte> reader,
        uint status,
        out UsbIpOpMessage? message,
        out UsbIpProtocolException? error)
    {
        message = null;
        error = null;
        if (status != UsbIpConstants.StatusOk)
        {
            return Complete(ref buffer, reader, new UsbIpDevListReply(status, []), out message);
        }

        if (!reader.TryReadBigEndian(out int rawCount))
        {
            return UsbIpParseResult.NeedMoreData;
        }

        var count = (uint)rawCount;
        if (count > (uint)_limits.MaxDevices)
        {
            error = new UsbIpProtocolException(
                UsbIpErrorReason.LimitExceeded,
                $"OP_REP_DEVLIST number of devices {count} exceeds the limit {_limits.MaxDevices}");
            return UsbIpParseResult.Error;
        }

        // Pass 1: check every bNumInterfaces and find the end, allocating nothing.
        var scan = reader;
        for (var i = 0; i < count; i++)
        {
            if (scan.Remaining < UsbIpConstants.DeviceLength)
            {
                return UsbIpParseResult.NeedMoreData;
            }

            scan.Advance(UsbIpConstants.DeviceLength - 1);
            scan.TryRead(out var interfaces);
            if (interfaces > _limits.MaxInterfaces)
            {
                error = new UsbIpProtocolException(
                    UsbIpErrorReason.LimitExceeded,
                    $"OP_REP_DEVLIST device {i} bNumInterfaces {interfaces} exceeds the limit {_limits.MaxInterfaces}");
                return UsbIpParseResult.Error;
            }

            var interfaceBytes = interfaces * UsbIpConstants.InterfaceLength;
            if (scan.Remaining < interfaceBytes)
            {
                return UsbIpParseResult.NeedMoreData;
            }

            scan.Advance(interfaceBytes);
        }

        // Pass 2: the whole message is buffered and within the limits.
        var devices = ImmutableArray.CreateBuilder<UsbIpExportedDevice>((int)count);
        for (var i = 0; i < count; i++)
        {
            var device = ReadDevice(ref reader);
            var interfaces = ImmutableArray.CreateBuilder<UsbIpInterface>(device.NumInterfaces);
            for (var j = 0; j < device.NumInterfaces; j++)
            {
                reader.TryRead(out var cls);
                reader.TryRead(out var subClass);
                reader.TryRead(out var protocol);
                reader.Advance(1);
                interfaces.Add(new UsbIpInterface(cls, subClass, protocol));
            }

            devices.Add(new UsbIpExportedDevice(device, interfaces.MoveToImmutable()));
        }

        return Complete(ref buffer, reader, new UsbIpDevListReply(status, devices.MoveToImmutable()), out message);
    }

    /// <summary>Reads a usbip_usb_device; the caller checked that 312 bytes are buffered.</summary>
    internal static UsbIpDevice ReadDevice(ref SequenceReader<byte> reader)
    {
        var path = ReadString(ref reader, UsbIpConstants.PathLength);
        var busId = ReadString(ref reader, UsbIpConstants.BusIdLength);
        reader.TryReadBigEndian(out int busNum);
        reader.TryReadBigEndian(out int devNum);
        reader.TryReadBigEndian(out int speed);
        reader.TryReadBigEndian(out short idVendor);
        reader.TryReadBigEndian(out short idProduct);
        reader.TryReadBigEndian(out short bcdDevice);
        Span<byte> tail = stackalloc byte[6];
        reader.TryCopyTo(tail);
        reader.Advance(tail.Length);
        return new UsbIpDevice(
            path,
            busId,
            (uint)busNum,
            (uint)devNum,
            (uint)speed,
            (ushort)idVendor,
            (ushort)idProduct,
            (ushort)bcdDevice,
            tail[0],
            tail[1],
            tail[2],
            tail[3],
            tail[4],
            tail[5]);
    }

    /// <summary>
    /// Reads a fixed-size, NUL-terminated field: up to the first NUL, and never its last byte, which C peers
    /// reserve for the terminator. (Read whole, an unterminated field gave a string the writer refuses, so relaying
    /// such a message threw ArgumentException; found by fuzzing.)
    /// </summary>
    private static string ReadString(ref SequenceReader<byte> reader, int length)
    {
        Span<byte> field = stackalloc byte[length];
        reader.TryCopyTo(field);
        reader.Advance(length);
        field = field[..(length - 1)];
        var end = field.IndexOf((byte)0);
        return Encoding.Latin1.GetString(end < 0 ? field : field[..end]);
    }
}
