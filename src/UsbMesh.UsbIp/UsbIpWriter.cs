using System.Buffers;
using System.Buffers.Binary;
using System.Text;


namespace UsbMesh.UsbIp;

/// <summary>
/// Writes USB/IP messages byte-exactly to an <see cref="IBufferWriter{T}"/>: big-endian headers, padding and unused
/// string bytes zero. It encodes what it is given (number_of_packets and start_frame as they are, so a non-ISO
/// reply echoes its request); it refuses only messages that could not be framed by the other side, with an
/// <see cref="ArgumentException"/> (a programming error, not a protocol error). It never flushes.
/// </summary>
public static class UsbIpWriter
{
    /// <summary>Writes any USB/IP message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="output">Where the bytes go.</param>
    public static void Write(UsbIpMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        switch (message)
        {
            case UsbIpDevListRequest m:
                WriteOpHeader(output, UsbIpConstants.OpReqDevList, m.Status);
                break;
            case UsbIpDevListReply m:
                WriteDevListReply(m, output);
                break;
            case UsbIpImportRequest m:
                WriteOpHeader(output, UsbIpConstants.OpReqImport, m.Status);
                WriteString(output, m.BusId, UsbIpConstants.BusIdLength, nameof(m.BusId));
                break;
            case UsbIpImportReply m:
                WriteImportReply(m, output);
                break;
            case UsbIpCmdSubmit m:
                WriteCmdSubmit(m, output);
                break;
            case UsbIpRetSubmit m:
                WriteRetSubmit(m, output);
                break;
            case UsbIpCmdUnlink m:
                WriteShort(output, UsbIpConstants.CmdUnlink, m, m.UnlinkSeqnum);
                break;
            case UsbIpRetUnlink m:
                WriteShort(output, UsbIpConstants.RetUnlink, m, (uint)m.Status);
                break;
            default:
                throw new ArgumentException($"{message.GetType().Name} is not a USB/IP message", nameof(message));
        }
    }

    private static void WriteOpHeader(IBufferWriter<byte> output, ushort code, uint status)
    {
        var span = output.GetSpan(UsbIpConstants.OpHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(span, UsbIpConstants.Version);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], code);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], status);
        output.Advance(UsbIpConstants.OpHeaderLength);
    }

    private static void WriteDevListReply(UsbIpDevListReply reply, IBufferWriter<byte> output)
    {
        WriteOpHeader(output, UsbIpConstants.OpRepDevList, reply.Status);
        if (reply.Status != UsbIpConstants.StatusOk)
        {
            return;
        }

        var devices = reply.Devices.IsDefault ? [] : reply.Devices;
        var span = output.GetSpan(4);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)devices.Length);
        output.Advance(4);
        foreach (var exported in devices)
        {
            var interfaces = exported.Interfaces.IsDefault ? [] : exported.Interfaces;
            if (interfaces.Length != exported.Device.NumInterfaces)
            {
                throw new ArgumentException(
                    $"device {exported.Device.BusId} has bNumInterfaces {exported.Device.NumInterfaces} but {interfaces.Length} interfaces",
                    nameof(reply));
            }

            WriteDevice(output, exported.Device);
            foreach (var iface in interfaces)
            {
                var s = output.GetSpan(UsbIpConstants.InterfaceLength);
                s[0] = iface.InterfaceClass;
                s[1] = iface.InterfaceSubClass;
                s[2] = iface.InterfaceProtocol;
                s[3] = 0;
                output.Advance(UsbIpConstants.InterfaceLength);
            }
        }
    }

    private static void WriteImportReply(UsbIpImportReply reply, IBufferWriter<byte> output)
    {
        WriteOpHeader(output, UsbIpConstants.OpRepImport, reply.Status);
        if (reply.Status != UsbIpConstants.StatusOk)
        {
            return;
        }

        if (reply.Device is null)
        {
            throw new ArgumentException("a successful OP_REP_IMPORT needs the device", nameof(reply));
        }

        WriteDevice(output, reply.Device);
    }

    private static void WriteDevice(IBufferWriter<byte> output, UsbIpDevice device)
    {
        WriteString(output, device.Path, UsbIpConstants.PathLength, nameof(device.Path));
        WriteString(output, device.BusId, UsbIpConstants.BusIdLength, nameof(device.BusId));
        const int Rest = UsbIpConstants.DeviceLength - UsbIpConstants.PathLength - UsbIpConstants.BusIdLength;
        var span = output.GetSpan(Rest);
        BinaryPrimitives.WriteUInt32BigEndian(span, device.BusNum);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], device.DevNum);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], device.Speed);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], device.IdVendor);
        BinaryPrimitives.WriteUInt16BigEndian(span[14..], device.IdProduct);
        BinaryPrimitives.WriteUInt16BigEndian(span[16..], device.BcdDevice);
        span[18] = device.DeviceClass;
        span[19] = device.DeviceSubClass;
        span[20] = device.DeviceProtocol;
        span[21] = device.ConfigurationValue;
        span[22] = device.NumConfigurations;
        span[23] = device.NumInterfaces;
        output.Advance(Rest);
    }

    /// <summary>A fixed-size field: Latin-1 bytes, then zeros; at least one NUL must remain.</summary>
    private static void WriteString(IBufferWriter<byte> output, string value, int length, string field)
    {
        ArgumentNullException.ThrowIfNull(value, field);
        if (value.Length >= length || value.Contains('\0') || value.Any(c => c > 0xff))
        {
            throw new ArgumentException($"{field} must be at most {length - 1} Latin-1 characters without NUL", field);
        }

        var span = output.GetSpan(length)[..length];
        span.Clear();
        Encoding.Latin1.GetBytes(value, span);
        output.Advance(length);
    }

    private static Span<byte> WriteBasic(IBufferWriter<byte> output, uint command, UsbIpUrbMessage m)
    {
        var span = output.GetSpan(UsbIpConstants.UrbHeaderLength)[..UsbIpConstants.UrbHeaderLength];
        span.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(span, command);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], m.Seqnum);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], m.DevId);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)m.Direction);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], m.Endpoint);
        return span;
    }

    private static void WriteShort(IBufferWriter<byte> output, uint command, UsbIpUrbMessage m, uint value)
    {
        var span = WriteBasic(output, command, m);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], value);
        output.Advance(UsbIpConstants.UrbHeaderLength);
    }

    private static void WriteCmdSubmit(UsbIpCmdSubmit m, IBufferWriter<byte> output)
    {
        var expected = m.Direction == UsbIpDirection.Out ? m.TransferBufferLength : 0;
        if (m.Data.Length != expected)
        {
            throw new ArgumentException(
                $"CMD_SUBMIT {m.Direction} with transfer_buffer_length {m.TransferBufferLength} must carry {expected} bytes, not {m.Data.Length}",
                nameof(m));
        }

        if (m.IsoPackets.Length > 0 && m.IsoPackets.Length != m.NumberOfPackets)
        {
            throw new ArgumentException(
                $"CMD_SUBMIT number_of_packets {m.NumberOfPackets} differs from {m.IsoPackets.Length} descriptors",
                nameof(m));
        }

        var span = WriteBasic(output, UsbIpConstants.CmdSubmit, m);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], m.TransferFlags);
        BinaryPrimitives.WriteInt32BigEndian(span[24..], m.TransferBufferLength);
        BinaryPrimitives.WriteInt32BigEndian(span[28..], m.StartFrame);
        BinaryPrimitives.WriteInt32BigEndian(span[32..], m.NumberOfPackets);
        BinaryPrimitives.WriteInt32BigEndian(span[36..], m.Interval);
        m.Setup.WriteTo(span[40..48]);
        output.Advance(UsbIpConstants.UrbHeaderLength);
        WritePayload(output, m.Data);
        WriteIsoPackets(output, m.IsoPackets);
    }

    private static void WriteRetSubmit(UsbIpRetSubmit m, IBufferWriter<byte> output)
    {
        if (m.Data.Length > 0 && m.Data.Length != m.ActualLength)
        {
            throw new ArgumentException(
                $"RET_SUBMIT actual_length {m.ActualLength} differs from its {m.Data.Length} data bytes",
                nameof(m));
        }

        if (m.IsoPackets.Length > 0 && m.IsoPackets.Length != m.NumberOfPackets)
        {
            throw new ArgumentException(
                $"RET_SUBMIT number_of_packets {m.NumberOfPackets} differs from {m.IsoPackets.Length} descriptors",
                nameof(m));
        }

        var span = WriteBasic(output, UsbIpConstants.RetSubmit, m);
        BinaryPrimitives.WriteInt32BigEndian(span[20..], m.Status);
        BinaryPrimitives.WriteInt32BigEndian(span[24..], m.ActualLength);
        BinaryPrimitives.WriteInt32BigEndian(span[28..], m.StartFrame);
        BinaryPrimitives.WriteInt32BigEndian(span[32..], m.NumberOfPackets);
        BinaryPrimitives.WriteInt32BigEndian(span[36..], m.ErrorCount);
        output.Advance(UsbIpConstants.UrbHeaderLength);
        WritePayload(output, m.Data);
        WriteIsoPackets(output, m.IsoPackets);
    }

    private static void WritePayload(IBufferWriter<byte> output, ReadOnlyMemory<byte> data)
    {
        if (output is IPayloadWriter byReference)
        {
            byReference.WritePayload(data);
        }
        else
        {
            output.Write(data.Span);
        }
    }

    private static void WriteIsoPackets(IBufferWriter<byte> output, IReadOnlyList<UsbIpIsoPacketDescriptor> packets)
    {
        foreach (var packet in packets)
        {
            var span = output.GetSpan(UsbIpConstants.IsoPacketDescriptorLength);
            BinaryPrimitives.WriteUInt32BigEndian(span, packet.Offset);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], packet.Length);
            BinaryPrimitives.WriteUInt32BigEndian(span[8..], packet.ActualLength);
            BinaryPrimitives.WriteInt32BigEndian(span[12..], packet.Status);
            output.Advance(UsbIpConstants.IsoPacketDescriptorLength);
        }
    }
}
