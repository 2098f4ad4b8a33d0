using System.Collections.Immutable;
using System.Diagnostics;
using UsbMesh.Devices;
using UsbMesh.Usb;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>What a RET_SUBMIT needs from its CMD_SUBMIT, kept while the URB is in flight (not the OUT data).</summary>
/// <param name="Direction">IN replies carry data.</param>
/// <param name="NumberOfPackets">Echoed for non-ISO (DESIGN §3), the ISO packet count otherwise.</param>
/// <param name="StartFrame">Echoed for non-ISO.</param>
/// <param name="IsoPackets">The request's ISO layout (empty for non-ISO), to describe a failed ISO URB.</param>
internal sealed record PendingSubmit(UsbIpDirection Direction, int NumberOfPackets, int StartFrame, ImmutableArray<UsbIpIsoPacketDescriptor> IsoPackets)
{
    public bool IsIsochronous => !IsoPackets.IsEmpty;

    /// <summary>The bConfigurationValue a SET_CONFIGURATION selects, once it succeeds; null for any other request.</summary>
    public byte? Configures { get; init; }

    /// <summary>When the URB was submitted (<see cref="Stopwatch.GetTimestamp"/>), for its round trip.</summary>
    public long Started { get; init; }

    public static PendingSubmit For(UsbIpCmdSubmit command) =>
        new(command.Direction, command.NumberOfPackets, command.StartFrame, command.IsoPackets) { Started = Stopwatch.GetTimestamp() };
}

/// <summary>A CMD_SUBMIT that cannot become a <see cref="UrbRequest"/>; answered with a RET_SUBMIT error, not a closed connection.</summary>
internal sealed class UrbTranslationException(int status, string message) : Exception(message)
{
    /// <summary>The negative errno the RET_SUBMIT carries.</summary>
    public int Status { get; } = status;
}

/// <summary>Maps between the device actors' world (descriptors, <see cref="UrbRequest"/>, <see cref="UrbResult"/>) and USB/IP records.</summary>
internal static class UsbipdTranslation
{
    /// <summary>The 312-byte device record of an OP_REP_IMPORT / OP_REP_DEVLIST.</summary>
    public static UsbIpDevice DeviceRecord(ExportedDevice export, UsbDevice.Info info)
    {
        var active = info.ActiveConfiguration;
        return new UsbIpDevice(
            export.Path,
            export.BusId,
            (uint)export.BusNum,
            (uint)export.DevNum,
            (uint)info.Speed,
            info.Device.VendorId,
            info.Device.ProductId,
            info.Device.DeviceVersion,
            info.Device.DeviceClass,
            info.Device.DeviceSubClass,
            info.Device.DeviceProtocol,
            info.ActiveConfigurationValue,
            info.Device.NumConfigurations,
            (byte)(active?.NumInterfaces ?? 0));
    }

    /// <summary>A device-list entry: the record and, as usbipd reads them from sysfs, alternate setting 0 of each interface of the active configuration.</summary>
    public static UsbIpExportedDevice DeviceListEntry(ExportedDevice export, UsbDevice.Info info)
    {
        var interfaces = (info.ActiveConfiguration?.Interfaces ?? [])
            .GroupBy(i => i.InterfaceNumber)
            .OrderBy(g => g.Key)
            .Select(g => g.OrderBy(i => i.AlternateSetting).First())
            .Select(i => new UsbIpInterface(i.InterfaceClass, i.InterfaceSubClass, i.InterfaceProtocol))
            .ToImmutableArray();
        return new UsbIpExportedDevice(DeviceRecord(export, info) with { NumInterfaces = (byte)interfaces.Length }, interfaces);
    }

    /// <summary>The (direction, number) pairs of the isochronous endpoints of the active configuration, any alternate setting.</summary>
    public static IReadOnlySet<(UsbIpDirection Direction, uint Number)> IsochronousEndpoints(UsbDevice.Info info) =>
        (info.ActiveConfiguration?.Interfaces ?? [])
            .SelectMany(i => i.Endpoints)
            .Where(e => e.TransferType == TransferType.Isochronous)
            .Select(e => (e.Direction == UsbDirection.In ? UsbIpDirection.In : UsbIpDirection.Out, (uint)e.Number))
            .ToHashSet();

    /// <summary>
    /// The transfer a CMD_SUBMIT asks for. Endpoint 0 is a control transfer described by its setup bytes; any
    /// other endpoint takes its type from the active configuration (any alternate setting), as the kernel's stub
    /// takes it from the endpoint descriptor.
    /// </summary>
    /// <exception cref="UrbTranslationException">The request cannot be carried out (no such endpoint, inconsistent lengths).</exception>
    public static UrbRequest ToRequest(UsbIpCmdSubmit command, ConfigurationDescriptor? configuration)
    {
        var direction = command.Direction == UsbIpDirection.In ? UsbDirection.In : UsbDirection.Out;
        var number = (int)command.Endpoint;
        UrbRequest request;
        try
        {
            if (number == 0)
            {
                var setup = command.Setup;
                ReadOnlyMemory<byte> outData = default;
                if (setup.Direction == UsbDirection.Out)
                {
                    if (command.Data.Length < setup.Length)
                    {
                        throw new UrbTranslationException(-LinuxErrno.EPROTO,
                            $"control OUT carries {command.Data.Length} bytes, wLength is {setup.Length}");
                    }

                    outData = command.Data[..setup.Length];
                }

                request = UrbRequest.Control(setup, outData);
            }
            else
            {
                var address = (byte)(number | (byte)direction);
                var endpoint = configuration?.FindEndpoint(address)
                    ?? throw new UrbTranslationException(-LinuxErrno.EPIPE, $"endpoint 0x{address:x2} is not in the active configuration");
                request = endpoint.TransferType switch
                {
                    TransferType.Bulk when direction == UsbDirection.In => UrbRequest.BulkIn(number, command.TransferBufferLength),
                    TransferType.Bulk => UrbRequest.BulkOut(number, command.Data),
                    TransferType.Interrupt when direction == UsbDirection.In => UrbRequest.InterruptIn(number, command.TransferBufferLength, command.Interval),
                    TransferType.Interrupt => UrbRequest.InterruptOut(number, command.Data, command.Interval),
                    TransferType.Isochronous => UrbRequest.Isochronous(
                        number, direction, command.TransferBufferLength,
                        command.IsoPackets.Select(p => new IsoPacket((int)p.Offset, (int)p.Length)).ToArray(),
                        command.Interval, command.StartFrame, direction == UsbDirection.Out ? command.Data : default),
                    _ => throw new UrbTranslationException(-LinuxErrno.EPIPE, $"endpoint 0x{address:x2} is a control endpoint other than 0"),
                };
            }
        }
        catch (ArgumentException e)
        {
            throw new UrbTranslationException(-LinuxErrno.EPROTO, e.Message);
        }

        return request with { Flags = (UrbTransferFlags)command.TransferFlags };
    }

    /// <summary>The RET_SUBMIT for a completed URB: status as errno, actual_length, IN data; non-ISO echoes number_of_packets and start_frame.</summary>
    public static UsbIpRetSubmit ToReply(uint seqnum, PendingSubmit pending, UrbResult result)
    {
        var isIn = pending.Direction == UsbIpDirection.In;
        if (!pending.IsIsochronous)
        {
            var actual = result.ActualLength;
            ReadOnlyMemory<byte> data = default;
            if (isIn)
            {
                actual = Math.Min(actual, result.InData.Length);
                data = result.InData[..actual];
            }

            return new UsbIpRetSubmit(seqnum, result.LinuxStatus, actual, pending.StartFrame, pending.NumberOfPackets, 0, data, []);
        }

        ImmutableArray<UsbIpIsoPacketDescriptor> packets;
        if (result.IsoPacketResults.Count == pending.IsoPackets.Length)
        {
            packets = [.. result.IsoPacketResults.Select(p => new UsbIpIsoPacketDescriptor((uint)p.Offset, (uint)p.Length, (uint)p.ActualLength, p.Status.ToLinuxErrno()))];
        }
        else
        {
            // The backend reported no per-packet results (the URB failed as a whole): every packet failed with it.
            packets = [.. pending.IsoPackets.Select(p => new UsbIpIsoPacketDescriptor(p.Offset, p.Length, 0, result.LinuxStatus))];
        }

        var total = (int)packets.Sum(p => (long)p.ActualLength);
        var isoData = isIn ? result.InData[..Math.Min(total, result.InData.Length)] : default;
        if (isIn && isoData.Length != total)
        {
            // A backend that packed less data than its packets claim: report nothing rather than a malformed reply.
            packets = [.. packets.Select(p => p with { ActualLength = 0 })];
            total = 0;
            isoData = default;
        }

        var errors = packets.Count(p => p.Status != 0);
        return new UsbIpRetSubmit(seqnum, result.LinuxStatus, total, result.StartFrame, packets.Length, errors, isoData, packets);
    }
}
