using System.Collections.Immutable;
using UsbMesh.Usb;

namespace UsbMesh.UsbIp;

/// <summary>USBIP_DIR_OUT (host to device) or USBIP_DIR_IN (device to host).</summary>
public enum UsbIpDirection : uint
{
    Out = 0,
    In = 1,
}

/// <summary>
/// Every USB/IP message. Records are immutable; a payload is a <see cref="ReadOnlyMemory{T}"/> the message owns:
/// parsers copy it out of the receive buffer into an exact-size array only once the whole message is buffered and
/// every length was checked (a pipe's buffer is recycled after <c>AdvanceTo</c>, so a slice of it could not outlive
/// the parse). Writers accept any memory, so a sender can pass pooled or pinned buffers it manages itself.
/// </summary>
public abstract record UsbIpMessage;

/// <summary>A message of the OP_ phase (before import, and the only phase of a device-list connection).</summary>
public abstract record UsbIpOpMessage : UsbIpMessage;

/// <summary>OP_REQ_DEVLIST. <paramref name="Status"/> is unused and sent as 0; it is kept as received.</summary>
public sealed record UsbIpDevListRequest(uint Status = 0) : UsbIpOpMessage;

/// <summary>
/// OP_REP_DEVLIST. When <paramref name="Status"/> is not 0 the message ends after the status field and
/// <paramref name="Devices"/> is empty.
/// </summary>
public sealed record UsbIpDevListReply(uint Status, ImmutableArray<UsbIpExportedDevice> Devices) : UsbIpOpMessage;

/// <summary>OP_REQ_IMPORT for the device <paramref name="BusId"/> (at most 31 bytes, NUL-terminated on the wire).</summary>
public sealed record UsbIpImportRequest(string BusId, uint Status = 0) : UsbIpOpMessage;

/// <summary>
/// OP_REP_IMPORT. Status 0 carries the device (without interfaces); any other status ends the message after the
/// status field and <paramref name="Device"/> is null.
/// </summary>
public sealed record UsbIpImportReply(uint Status, UsbIpDevice? Device) : UsbIpOpMessage;

/// <summary>
/// usbip_usb_device, 312 bytes on the wire. <paramref name="Path"/> (at most 255 bytes) and <paramref name="BusId"/>
/// (at most 31 bytes) are NUL-terminated and zero-filled; bytes are mapped 1:1 to chars (Latin-1).
/// </summary>
public sealed record UsbIpDevice(
    string Path,
    string BusId,
    uint BusNum,
    uint DevNum,
    uint Speed,
    ushort IdVendor,
    ushort IdProduct,
    ushort BcdDevice,
    byte DeviceClass,
    byte DeviceSubClass,
    byte DeviceProtocol,
    byte ConfigurationValue,
    byte NumConfigurations,
    byte NumInterfaces);

/// <summary>usbip_usb_interface, 4 bytes (the fourth is padding, written as 0).</summary>
public readonly record struct UsbIpInterface(byte InterfaceClass, byte InterfaceSubClass, byte InterfaceProtocol);

/// <summary>One device of a device list: the device record followed by <c>bNumInterfaces</c> interface records.</summary>
public sealed record UsbIpExportedDevice(UsbIpDevice Device, ImmutableArray<UsbIpInterface> Interfaces);

/// <summary>usbip_iso_packet_descriptor: four big-endian 32-bit fields in this order.</summary>
public readonly record struct UsbIpIsoPacketDescriptor(uint Offset, uint Length, uint ActualLength, int Status);

/// <summary>
/// A message of the URB phase, with usbip_header_basic's fields. On replies the kernel's stub sends devid,
/// direction and ep as 0; they are kept as received.
/// </summary>
public abstract record UsbIpUrbMessage(uint Seqnum, uint DevId, UsbIpDirection Direction, uint Endpoint) : UsbIpMessage;

/// <summary>
/// USBIP_CMD_SUBMIT. <paramref name="Data"/> is the OUT transfer buffer (exactly transfer_buffer_length bytes, for
/// ISO OUT including the gaps between packets, as vhci sends it) and is empty for IN.
/// <para>
/// <paramref name="NumberOfPackets"/> and <paramref name="StartFrame"/> are kept as received. For a non-ISO endpoint
/// number_of_packets is meaningless (the document says 0xffffffff, the kernel's capture shows 0, some clients send
/// stale values): the parser neither checks nor interprets it, and a reply echoes it (docs/USBIP.md). Only for an
/// isochronous endpoint is it a count, checked against <see cref="UsbIpLimits.MaxIsoPackets"/>, and then
/// <paramref name="IsoPackets"/> holds that many descriptors (they follow the buffer on the wire).
/// </para>
/// </summary>
public sealed record UsbIpCmdSubmit(
    uint Seqnum,
    uint DevId,
    UsbIpDirection Direction,
    uint Endpoint,
    uint TransferFlags,
    int TransferBufferLength,
    int StartFrame,
    int NumberOfPackets,
    int Interval,
    SetupPacket Setup,
    ReadOnlyMemory<byte> Data,
    ImmutableArray<UsbIpIsoPacketDescriptor> IsoPackets) : UsbIpUrbMessage(Seqnum, DevId, Direction, Endpoint)
{
    /// <summary>The ISO descriptors, empty when there are none (never default).</summary>
    public ImmutableArray<UsbIpIsoPacketDescriptor> IsoPackets { get; init; } = IsoPackets.IsDefault ? [] : IsoPackets;
}

/// <summary>
/// USBIP_RET_SUBMIT. <paramref name="Data"/> is the IN data, exactly <paramref name="ActualLength"/> bytes, and is
/// empty for OUT (whose actual_length still reports the bytes written). For ISO IN the data is packed: each packet's
/// actual_length bytes back to back, without the gaps the packets' offsets leave in the URB buffer (stub_tx.c sends
/// them so; the client's usbip_pad_iso moves them back to their offsets). For any ISO reply (IN or OUT) the
/// descriptors' actual_length values must add up to <paramref name="ActualLength"/> (usbip_recv_iso checks it).
/// <para>
/// <paramref name="NumberOfPackets"/> is echoed from the CMD_SUBMIT for non-ISO (docs/USBIP.md). Whether a RET_SUBMIT
/// may be written at all (never for an unknown seqnum, never after an unlink that returned −ECONNRESET, in order per
/// endpoint) is the session layer's rule; this codec only encodes. The client-side parser refuses a reply whose
/// seqnum its lookup does not know (<see cref="UsbIpErrorReason.UnknownSeqnum"/>), as the kernel does.
/// </para>
/// </summary>
public sealed record UsbIpRetSubmit(
    uint Seqnum,
    int Status,
    int ActualLength,
    int StartFrame,
    int NumberOfPackets,
    int ErrorCount,
    ReadOnlyMemory<byte> Data,
    ImmutableArray<UsbIpIsoPacketDescriptor> IsoPackets,
    uint DevId = 0,
    UsbIpDirection Direction = UsbIpDirection.Out,
    uint Endpoint = 0) : UsbIpUrbMessage(Seqnum, DevId, Direction, Endpoint)
{
    /// <summary>The ISO descriptors, empty when there are none (never default).</summary>
    public ImmutableArray<UsbIpIsoPacketDescriptor> IsoPackets { get; init; } = IsoPackets.IsDefault ? [] : IsoPackets;

    /// <summary>A non-ISO reply, echoing the request's number_of_packets and start_frame as given.</summary>
    /// <param name="request">The CMD_SUBMIT answered.</param>
    /// <param name="status">0, or a negative Linux errno (−32 stall, −108 gone, …).</param>
    /// <param name="actualLength">Bytes transferred.</param>
    /// <param name="inData">For IN, the data (exactly <paramref name="actualLength"/> bytes); empty for OUT.</param>
    public static UsbIpRetSubmit For(UsbIpCmdSubmit request, int status, int actualLength, ReadOnlyMemory<byte> inData) =>
        new(request.Seqnum, status, actualLength, request.StartFrame, request.NumberOfPackets, 0, inData, []);
}

/// <summary>USBIP_CMD_UNLINK of the CMD_SUBMIT numbered <paramref name="UnlinkSeqnum"/>.</summary>
public sealed record UsbIpCmdUnlink(
    uint Seqnum,
    uint DevId,
    UsbIpDirection Direction,
    uint Endpoint,
    uint UnlinkSeqnum) : UsbIpUrbMessage(Seqnum, DevId, Direction, Endpoint);

/// <summary>
/// USBIP_RET_UNLINK; <paramref name="Seqnum"/> is the CMD_UNLINK's own seqnum. The unlink race (docs/USBIP.md) is
/// resolved by the session layer and expressed here: <see cref="UsbIpConstants.StatusConnReset"/> when the unlink
/// won (and no RET_SUBMIT is ever written for the URB), 0 when the URB completed first (its RET_SUBMIT went out
/// before this).
/// </summary>
public sealed record UsbIpRetUnlink(
    uint Seqnum,
    int Status,
    uint DevId = 0,
    UsbIpDirection Direction = UsbIpDirection.Out,
    uint Endpoint = 0) : UsbIpUrbMessage(Seqnum, DevId, Direction, Endpoint);
