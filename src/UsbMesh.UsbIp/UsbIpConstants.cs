namespace UsbMesh.UsbIp;

/// <summary>
/// Wire constants of USB/IP (docs.kernel.org/usb/usbip_protocol.html; the kernel's drivers/usb/usbip/usbip_common.h
/// and tools/usb/usbip/src/usbip_network.h). Every multi-byte header field is big-endian; the 8 setup bytes of a
/// CMD_SUBMIT are copied literally (USB little-endian).
/// </summary>
public static class UsbIpConstants
{
    /// <summary>The only protocol version spoken, v1.1.1; the usbip tools refuse any other.</summary>
    public const ushort Version = 0x0111;

    /// <summary>OP_REQ_DEVLIST: list exported devices.</summary>
    public const ushort OpReqDevList = 0x8005;

    /// <summary>OP_REP_DEVLIST.</summary>
    public const ushort OpRepDevList = 0x0005;

    /// <summary>OP_REQ_IMPORT: attach a device; on success the connection switches to the URB phase.</summary>
    public const ushort OpReqImport = 0x8003;

    /// <summary>OP_REP_IMPORT.</summary>
    public const ushort OpRepImport = 0x0003;

    /// <summary>USBIP_CMD_SUBMIT (client to server).</summary>
    public const uint CmdSubmit = 1;

    /// <summary>USBIP_CMD_UNLINK (client to server).</summary>
    public const uint CmdUnlink = 2;

    /// <summary>USBIP_RET_SUBMIT (server to client).</summary>
    public const uint RetSubmit = 3;

    /// <summary>USBIP_RET_UNLINK (server to client).</summary>
    public const uint RetUnlink = 4;

    /// <summary>op_common: version (2), code (2), status (4).</summary>
    public const int OpHeaderLength = 8;

    /// <summary>usbip_usb_device: path[256], busid[32], busnum, devnum, speed, ids, class bytes.</summary>
    public const int DeviceLength = 312;

    /// <summary>usbip_usb_interface: class, subclass, protocol, padding.</summary>
    public const int InterfaceLength = 4;

    /// <summary>Size of the path field of a device record (NUL-terminated, zero-filled).</summary>
    public const int PathLength = 256;

    /// <summary>Size of a bus id field (NUL-terminated, zero-filled).</summary>
    public const int BusIdLength = 32;

    /// <summary>Every URB message header: usbip_header_basic (20 bytes) plus 28 command-specific bytes, padded.</summary>
    public const int UrbHeaderLength = 48;

    /// <summary>usbip_iso_packet_descriptor: offset, length, actual_length, status.</summary>
    public const int IsoPacketDescriptorLength = 16;

    /// <summary>The kernel's own bound on ISO packets per URB (USBIP_MAX_ISO_PACKETS).</summary>
    public const int KernelMaxIsoPackets = 1024;

    /// <summary>The status of a successful OP_ reply (ST_OK).</summary>
    public const uint StatusOk = 0;

    /// <summary>−ECONNRESET: the status of a RET_UNLINK that won the race (the submit reply is never sent).</summary>
    public const int StatusConnReset = -104;
}
