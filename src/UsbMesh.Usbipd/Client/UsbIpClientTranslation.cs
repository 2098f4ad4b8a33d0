using System.Collections.Immutable;
using UsbMesh.Usb;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd.Client;

/// <summary>
/// The importing side's mapping between the device layer (<see cref="UrbRequest"/>, <see cref="UrbResult"/>) and
/// USB/IP CMD_SUBMIT / RET_SUBMIT: the reverse of what the usbipd endpoint does with a client's commands. Pure
/// functions of their arguments, with no socket in sight, so any transport that carries USB/IP PDUs (a TCP
/// connection to a usbipd server, a mesh session's stream) can share it.
/// </summary>
/// <remarks>
/// The fields are filled as the kernel's vhci-hcd fills them (vhci_tx.c, usbip_pack_pdu), since that is the client
/// every server is tested against: URB_DIR_IN set for IN transfers, start_frame and number_of_packets 0 for
/// non-isochronous ones (the kernel's own capture shows 0, whatever the protocol document says), and the ISO
/// descriptors after the OUT data with actual_length and status 0.
/// </remarks>
public static class UsbIpClientTranslation
{
    /// <summary>The CMD_SUBMIT that asks a server for <paramref name="request"/>.</summary>
    /// <param name="seqnum">The URB's sequence number (unique among the connection's URBs in flight).</param>
    /// <param name="devId">The imported device's devid ((busnum &lt;&lt; 16) | devnum of the import reply).</param>
    /// <param name="request">The transfer.</param>
    public static UsbIpCmdSubmit CmdSubmit(uint seqnum, uint devId, UrbRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var isIn = request.Direction == UsbDirection.In;
        var flags = isIn ? request.Flags | UrbTransferFlags.DirIn : request.Flags & ~UrbTransferFlags.DirIn;
        var isIso = request.TransferType == TransferType.Isochronous;
        ImmutableArray<UsbIpIsoPacketDescriptor> packets = isIso
            ? [.. request.IsoPackets.Select(p => new UsbIpIsoPacketDescriptor((uint)p.Offset, (uint)p.Length, 0, 0))]
            : [];
        return new UsbIpCmdSubmit(
            seqnum,
            devId,
            isIn ? UsbIpDirection.In : UsbIpDirection.Out,
            (uint)request.EndpointNumber,
            (uint)flags,
            request.TransferLength,
            isIso ? request.StartFrame : 0,
            packets.Length,
            request.Interval,
            request.Setup ?? default,
            isIn ? ReadOnlyMemory<byte>.Empty : request.OutData,
            packets);
    }

    /// <summary>
    /// The CMD_UNLINK of the URB numbered <paramref name="unlinkSeqnum"/>; direction and ep are 0, as vhci sends them
    /// (the server finds the URB by its seqnum alone).
    /// </summary>
    /// <param name="seqnum">This unlink's own sequence number (from the same counter as the URBs').</param>
    /// <param name="devId">The imported device's devid.</param>
    /// <param name="unlinkSeqnum">The URB to unlink.</param>
    public static UsbIpCmdUnlink CmdUnlink(uint seqnum, uint devId, uint unlinkSeqnum) =>
        new(seqnum, devId, UsbIpDirection.Out, 0, unlinkSeqnum);

    /// <summary>What a client-side parser must know of a pending request to frame its RET_SUBMIT.</summary>
    /// <param name="request">The transfer sent.</param>
    public static UsbIpSubmitInfo SubmitInfo(UrbRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new UsbIpSubmitInfo(
            request.Direction == UsbDirection.In ? UsbIpDirection.In : UsbIpDirection.Out,
            request.TransferType == TransferType.Isochronous,
            request.TransferLength,
            request.IsoPackets.Count);
    }

    /// <summary>
    /// The outcome of <paramref name="request"/> as the server's RET_SUBMIT reports it: the errno read back as a
    /// <see cref="UrbStatus"/> (−ENODEV and −ESHUTDOWN both as gone, −ENOENT as unlinked), actual_length, the IN
    /// data (for isochronous IN, packed as it came), and the per-packet results in the request's layout.
    /// </summary>
    /// <param name="reply">The RET_SUBMIT (its seqnum is the caller's business).</param>
    /// <param name="request">The transfer it answers.</param>
    public static UrbResult Result(UsbIpRetSubmit reply, UrbRequest request)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(request);
        var isIn = request.Direction == UsbDirection.In;

        // A server may not report more than was asked: an OUT reply's actual_length is not checked by the parser.
        var actual = Math.Clamp(reply.ActualLength, 0, request.TransferLength);
        if (request.TransferType != TransferType.Isochronous)
        {
            var data = isIn ? reply.Data[..Math.Min(actual, reply.Data.Length)] : ReadOnlyMemory<byte>.Empty;
            return new UrbResult(UrbStatuses.FromLinuxErrno(reply.Status), isIn ? data.Length : actual) { InData = data };
        }

        var requested = request.IsoPackets;
        var packets = new IsoPacketResult[reply.IsoPackets.Length];
        var babble = false;
        for (var i = 0; i < packets.Length; i++)
        {
            var got = reply.IsoPackets[i];

            // The layout is the request's; the reply only echoes it (stub_tx.c), so ours is the one to trust.
            var (offset, length) = i < requested.Count ? (requested[i].Offset, requested[i].Length) : ((int)got.Offset, (int)got.Length);
            babble |= got.ActualLength > (uint)length;
            packets[i] = new IsoPacketResult(offset, length, (int)got.ActualLength, UrbStatuses.FromLinuxErrno(got.Status));
        }

        if (babble)
        {
            // A packet longer than its slot cannot be put back at its offset (and the packed data depends on every
            // packet's length): the whole URB fails as babble rather than passing on a layout nobody can unpack.
            return new UrbResult(UrbStatus.Overflow, 0)
            {
                IsoPacketResults = [.. packets.Select(p => p with { ActualLength = 0, Status = UrbStatus.Overflow })],
                ErrorCount = packets.Length,
                StartFrame = reply.StartFrame,
            };
        }

        return new UrbResult(UrbStatuses.FromLinuxErrno(reply.Status), reply.ActualLength)
        {
            InData = isIn ? reply.Data : ReadOnlyMemory<byte>.Empty,
            IsoPacketResults = packets,
            ErrorCount = reply.ErrorCount,
            StartFrame = reply.StartFrame,
        };
    }
}
