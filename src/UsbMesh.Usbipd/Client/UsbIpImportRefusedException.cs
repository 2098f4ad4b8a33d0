namespace UsbMesh.Usbipd.Client;

/// <summary>The server answered OP_REQ_IMPORT with a status other than ST_OK.</summary>
public sealed class UsbIpImportRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="busId">The bus id asked for.</param>
    /// <param name="status">The OP_REP_IMPORT status (<see cref="UsbipdStatus"/>).</param>
    public UsbIpImportRefusedException(string busId, uint status)
        : base($"the server refused the import of {busId}: {Describe(status)}")
    {
        BusId = busId;
        Status = status;
    }

    /// <summary>The bus id asked for.</summary>
    public string BusId { get; }

    /// <summary>The OP_REP_IMPORT status.</summary>
    public uint Status { get; }

    /// <summary>The words the usbip tool uses for a status (tools/usb/usbip/src/usbip_network.c).</summary>
    /// <param name="status">An OP_REP_* status.</param>
    public static string Describe(uint status) => status switch
    {
        UsbipdStatus.Ok => "request completed successfully",
        UsbipdStatus.NotAvailable => "request failed",
        UsbipdStatus.DeviceBusy => "device busy (exported)",
        UsbipdStatus.DeviceError => "device in error state",
        UsbipdStatus.NoDevice => "device not found",
        UsbipdStatus.Error => "unexpected response",
        _ => $"status {status}",
    };
}
