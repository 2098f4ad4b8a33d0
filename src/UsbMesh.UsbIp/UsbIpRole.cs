namespace UsbMesh.UsbIp;

/// <summary>Which end of a connection a parser serves; it decides which messages are legal to receive.</summary>
public enum UsbIpRole
{
    /// <summary>The exporter (usbipd, the kernel's stub): receives OP_REQ_*, CMD_SUBMIT and CMD_UNLINK.</summary>
    Server,

    /// <summary>The importer (usbip tool, vhci-hcd): receives OP_REP_*, RET_SUBMIT and RET_UNLINK.</summary>
    Client,
}
