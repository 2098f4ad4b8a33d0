using UsbMesh.Usb;

namespace UsbMesh.Devices;

/// <summary>The control requests the exporter carries out itself instead of passing them to the device.</summary>
public enum StandardRequestKind
{
    /// <summary>Any other request: it goes to the device as a control transfer.</summary>
    None,

    /// <summary>SET_CONFIGURATION.</summary>
    SetConfiguration,

    /// <summary>SET_INTERFACE.</summary>
    SetInterface,

    /// <summary>CLEAR_FEATURE(ENDPOINT_HALT).</summary>
    ClearEndpointHalt,

    /// <summary>SET_FEATURE(PORT_RESET) to a hub port: the client resets the device.</summary>
    PortReset,
}

/// <summary>
/// Recognises and carries out the requests the exporter must answer itself, as the kernel's usbip-host does
/// (drivers/usb/usbip/stub_rx.c, <c>tweak_special_requests</c>): passing SET_CONFIGURATION or SET_INTERFACE to the
/// device behind the host stack's back would leave the exporting host's view of the device stale, and a clear-halt
/// must also reset the host side's endpoint state. Each is done through the backend and answered with status 0.
/// </summary>
public static class StandardRequests
{
    /// <summary>USB_PORT_FEAT_RESET, the hub class feature selector.</summary>
    public const ushort PortFeatureReset = 4;

    /// <summary>bmRequestType of a hub class request to a port, host to device (USB_RT_PORT).</summary>
    public const byte PortRequestType = 0x23;

    /// <summary>Which special request <paramref name="setup"/> is, if any.</summary>
    /// <param name="setup">The SETUP packet.</param>
    public static StandardRequestKind Classify(SetupPacket setup)
    {
        if (setup.IsSetConfiguration(out _))
        {
            return StandardRequestKind.SetConfiguration;
        }

        if (setup.IsSetInterface(out _, out _))
        {
            return StandardRequestKind.SetInterface;
        }

        if (setup.IsClearEndpointHalt(out _))
        {
            return StandardRequestKind.ClearEndpointHalt;
        }

        return setup.RequestTypeBits == PortRequestType && setup.Request == (byte)StandardRequest.SetFeature && setup.Value == PortFeatureReset
            ? StandardRequestKind.PortReset
            : StandardRequestKind.None;
    }

    /// <summary>The kind of special request <paramref name="request"/> is (None for any non-control transfer).</summary>
    /// <param name="request">The URB.</param>
    public static StandardRequestKind Classify(UrbRequest request) =>
        request.TransferType == TransferType.Control && request.Setup is { } setup ? Classify(setup) : StandardRequestKind.None;

    /// <summary>
    /// Carries out a special request through the backend. Success is status 0 with no data; a failure becomes the
    /// status of its <see cref="UsbBackendException"/>, or -EPIPE (the request stalled, as a device refusing it would).
    /// Not cancellable: an unlink of a request in progress loses (the host learns the real outcome).
    /// </summary>
    /// <param name="backend">The device.</param>
    /// <param name="kind">What <paramref name="setup"/> was classified as (not None).</param>
    /// <param name="setup">The SETUP packet.</param>
    public static async Task<UrbResult> ExecuteAsync(IUsbDeviceBackend backend, StandardRequestKind kind, SetupPacket setup)
    {
        ArgumentNullException.ThrowIfNull(backend);
        try
        {
            await (kind switch
            {
                StandardRequestKind.SetConfiguration => backend.SetConfigurationAsync((byte)setup.Value),
                StandardRequestKind.SetInterface => backend.SetInterfaceAsync((byte)setup.Index, (byte)setup.Value),
                StandardRequestKind.ClearEndpointHalt => backend.ClearHaltAsync((byte)setup.Index),
                StandardRequestKind.PortReset => backend.ResetAsync(),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a special request."),
            }).ConfigureAwait(false);
            return new UrbResult(UrbStatus.Completed, 0);
        }
        catch (UsbBackendException e)
        {
            return UrbResult.Failed(e.Status);
        }
        catch (Exception e) when (e is not ArgumentOutOfRangeException)
        {
            return UrbResult.Failed(UrbStatus.Stall);
        }
    }
}
