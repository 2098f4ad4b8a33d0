using UsbMesh.LibUsb;

namespace UsbMesh.UsbHost;

/// <summary>
/// Translates between a URB and a libusb transfer: what goes into the transfer before it is submitted, and what the
/// completed transfer means as a URB result.
/// </summary>
internal static class LibUsbUrb
{
    /// <summary>
    /// Where <paramref name="request"/>'s data is to lie. Bulk and interrupt transfers run in usbfs-mapped memory
    /// where the kernel grants it (no copy in the kernel; IN data is then copied once, into a pooled array), else in
    /// a pooled managed array that an IN result carries on as it is; control and isochronous transfers, small or
    /// reshaped on the way, run in the transfer's own native memory.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="mapped">The device's usbfs-mapped buffers.</param>
    public static TransferBuffer BufferFor(UrbRequest request, LibUsbDeviceMemory mapped)
    {
        if (request.TransferType is not (TransferType.Bulk or TransferType.Interrupt) || request.TransferLength == 0)
        {
            return TransferBuffer.Native;
        }

        return mapped.TryRent(request.TransferLength, out var deviceBuffer)
            ? TransferBuffer.Mapped(mapped, deviceBuffer)
            : TransferBuffer.Pooled(PooledBuffer.Rent(request.TransferLength));
    }

    /// <summary>A transfer for <paramref name="request"/> in <paramref name="buffer"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="buffer">From <see cref="BufferFor"/>.</param>
    /// <param name="completion">Called on the event thread when the transfer completes.</param>
    public static LibUsbTransfer Allocate(UrbRequest request, TransferBuffer buffer, Action<LibUsbTransfer> completion) =>
        buffer.MappedBuffer is { } mapped ? new LibUsbTransfer(mapped, completion)
        : buffer.Array is { } array ? new LibUsbTransfer(array.Array, completion)
        : new LibUsbTransfer(BufferSize(request), request.IsoPackets.Count, completion);

    /// <summary>The transfer buffer a request needs (control transfers carry the 8-byte setup packet in front).</summary>
    /// <param name="request">The request.</param>
    private static int BufferSize(UrbRequest request) => request.TransferType switch
    {
        TransferType.Control => LibUsbTransfer.ControlSetupSize + request.TransferLength,
        TransferType.Isochronous => request.IsoPackets.Sum(p => p.Length),
        _ => request.TransferLength,
    };

    /// <summary>Fills <paramref name="transfer"/> for <paramref name="request"/>, OUT data included.</summary>
    /// <param name="transfer">A transfer with at least <see cref="BufferSize"/> bytes and enough iso packets.</param>
    /// <param name="handle">The opened device.</param>
    /// <param name="request">The request.</param>
    public static void Fill(LibUsbTransfer transfer, LibUsbDeviceHandle handle, UrbRequest request)
    {
        // A URB has no timeout of its own: the host unlinks what it no longer wants.
        var noTimeout = TimeSpan.Zero;
        switch (request.TransferType)
        {
            case TransferType.Control:
                var setup = request.Setup!.Value;
                transfer.FillControl(handle, setup.RequestTypeBits, setup.Request, setup.Value, setup.Index, setup.Length, noTimeout);
                request.OutData.Span.CopyTo(transfer.ControlData);
                break;
            case TransferType.Bulk:
                transfer.FillBulk(handle, request.EndpointAddress, request.TransferLength, noTimeout);
                request.OutData.Span.CopyTo(transfer.Buffer);
                break;
            case TransferType.Interrupt:
                transfer.FillInterrupt(handle, request.EndpointAddress, request.TransferLength, noTimeout);
                request.OutData.Span.CopyTo(transfer.Buffer);
                break;
            case TransferType.Isochronous:
                FillIsochronous(transfer, handle, request);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.TransferType, "unknown transfer type");
        }

        // The short-packet rule is applied to the result (UrbResult.Transferred), so libusb must not turn a short
        // read into a generic error; a zero-length packet after a full last packet is libusb's to add.
        if ((request.Flags & UrbTransferFlags.ZeroPacket) != 0 && request.Direction == UsbDirection.Out)
        {
            transfer.SetFlags(LibUsbTransferFlags.AddZeroPacket);
        }
    }

    /// <summary>The URB result of a completed transfer.</summary>
    /// <param name="transfer">The transfer, after its completion.</param>
    /// <param name="request">The request it carried.</param>
    /// <param name="buffer">Where the transfer's data lies: a pooled array is handed on with IN data.</param>
    public static UrbResult Result(LibUsbTransfer transfer, UrbRequest request, TransferBuffer buffer)
    {
        if (request.TransferType == TransferType.Isochronous)
        {
            return IsochronousResult(transfer, request);
        }

        var actual = Math.Min(transfer.ActualLength, request.TransferLength);
        var inData = ReadOnlyMemory<byte>.Empty;
        IDisposable? release = null;
        if (request.Direction == UsbDirection.In && actual > 0)
        {
            (inData, release) = buffer.TakeInData(transfer, request.TransferType, actual);
        }

        // A stall or an error still reports the bytes moved before it, as a host controller does.
        return transfer.Status != LibUsbTransferStatus.Completed
            ? new UrbResult(transfer.UrbStatus, actual) { InData = inData, InDataRelease = release }
            : UrbResult.Transferred(request, actual, inData) with { InDataRelease = release };
    }

    private static void FillIsochronous(LibUsbTransfer transfer, LibUsbDeviceHandle handle, UrbRequest request)
    {
        Span<int> lengths = request.IsoPackets.Count <= 256 ? stackalloc int[request.IsoPackets.Count] : new int[request.IsoPackets.Count];
        for (var i = 0; i < lengths.Length; i++)
        {
            lengths[i] = request.IsoPackets[i].Length;
        }

        transfer.FillIsochronous(handle, request.EndpointAddress, lengths, TimeSpan.Zero);
        if (request.Direction == UsbDirection.Out)
        {
            // The URB's packets may sit anywhere in its buffer; libusb's lie back to back.
            var at = 0;
            foreach (var packet in request.IsoPackets)
            {
                request.OutData.Span.Slice(packet.Offset, packet.Length).CopyTo(transfer.Buffer[at..]);
                at += packet.Length;
            }
        }
    }

    private static UrbResult IsochronousResult(LibUsbTransfer transfer, UrbRequest request)
    {
        var results = new IsoPacketResult[request.IsoPackets.Count];
        var packed = request.Direction == UsbDirection.In ? new byte[transfer.Length] : [];
        var actualTotal = 0;
        var errors = 0;
        for (var i = 0; i < results.Length; i++)
        {
            var requested = request.IsoPackets[i];
            var packet = i < transfer.IsoPacketCount ? transfer.GetIsoPacket(i) : new LibUsbIsoPacketResult(requested.Length, 0, LibUsbTransferStatus.Error);
            var actual = Math.Min(packet.ActualLength, requested.Length);
            if (request.Direction == UsbDirection.In && actual > 0)
            {
                // USB/IP carries IN packets packed one after another; the importer spreads them out again.
                transfer.Buffer.Slice(transfer.GetIsoPacketOffset(i), actual).CopyTo(packed.AsSpan(actualTotal));
            }

            actualTotal += actual;
            var status = transfer.Status == LibUsbTransferStatus.Completed ? packet.UrbStatus : transfer.UrbStatus;
            errors += status == UrbStatus.Completed ? 0 : 1;
            results[i] = new IsoPacketResult(requested.Offset, requested.Length, actual, status);
        }

        return new UrbResult(transfer.UrbStatus, actualTotal)
        {
            InData = request.Direction == UsbDirection.In ? packed.AsMemory(0, actualTotal) : ReadOnlyMemory<byte>.Empty,
            IsoPacketResults = results,
            ErrorCount = errors,
        };
    }
}
