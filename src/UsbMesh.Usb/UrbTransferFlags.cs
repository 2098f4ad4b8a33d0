namespace UsbMesh.Usb;

/// <summary>
/// <c>urb-&gt;transfer_flags</c> as defined in include/linux/usb.h and carried in USB/IP CMD_SUBMIT
/// <c>transfer_flags</c>. Unknown bits are preserved by the cast; only the ones below have meaning to us.
/// </summary>
[Flags]
public enum UrbTransferFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>URB_SHORT_NOT_OK: a short IN transfer is an error (-EREMOTEIO).</summary>
    ShortNotOk = 0x0001,

    /// <summary>URB_ISO_ASAP: isochronous only; schedule in the first free slot, start_frame ignored.</summary>
    IsoAsap = 0x0002,

    /// <summary>URB_NO_TRANSFER_DMA_MAP: transfer_dma valid on submit (host-local; the USB/IP stub clears it).</summary>
    NoTransferDmaMap = 0x0004,

    /// <summary>URB_ZERO_PACKET: finish a bulk OUT that is a multiple of the packet size with a zero-length packet.</summary>
    ZeroPacket = 0x0040,

    /// <summary>URB_NO_INTERRUPT: hint that no completion interrupt is needed unless an error occurs.</summary>
    NoInterrupt = 0x0080,

    /// <summary>URB_FREE_BUFFER: free the transfer buffer with the URB (host-local).</summary>
    FreeBuffer = 0x0100,

    /// <summary>URB_DIR_IN: set by usb_submit_urb for device-to-host transfers.</summary>
    DirIn = 0x0200,
}
