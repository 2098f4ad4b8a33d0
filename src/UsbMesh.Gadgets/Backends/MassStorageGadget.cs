using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Backends;

/// <summary>
/// An emulated USB flash drive: a high-speed device with one Bulk-Only Transport interface (class 0x08, SCSI
/// transparent subclass 0x06, protocol 0x50), bulk IN 0x81 and bulk OUT 0x02 of 512 bytes, over an image file.
/// </summary>
/// <remarks>
/// Bulk OUT transfers go to <see cref="BulkOnlyTransport.HandleOut"/>, bulk IN transfers to
/// <see cref="BulkOnlyTransport.ProduceIn"/>. A transfer the transport answers Pending (the device NAKs: an IN
/// before the command produced data or status, an OUT while the device still has data or a CSW to send) waits in
/// its endpoint's queue and is offered again, oldest first, whenever the other direction moves, a halt is cleared
/// or the device is reset. Stalled becomes <see cref="UrbStatus.Stall"/> (with the bytes moved before the stall).
/// CLEAR_FEATURE(ENDPOINT_HALT) reaches <see cref="BulkOnlyTransport.ClearHalt"/>; the class requests Bulk-Only
/// Mass Storage Reset and Get Max LUN reach <see cref="BulkOnlyTransport.HandleClassRequest"/>. SET_CONFIGURATION
/// and port reset reset the transport and clear both halts. Disposal flushes the image durably and closes it.
/// Image I/O is synchronous positional file I/O on the submitting thread (the endpoint pipe actor's).
/// </remarks>
public sealed class MassStorageGadget : GadgetBackend
{
    /// <summary>The bulk IN endpoint.</summary>
    public const byte BulkInAddress = 0x81;

    /// <summary>The bulk OUT endpoint.</summary>
    public const byte BulkOutAddress = 0x02;

    /// <summary>The interface number.</summary>
    public const byte InterfaceNumber = 0;

    private readonly IBlockStore _store;
    private readonly BulkOnlyTransport _transport;
    private readonly PendingUrbQueue _in;
    private readonly PendingUrbQueue _out;

    /// <summary>Creates the gadget over <paramref name="store"/>, which it owns (disposes).</summary>
    /// <param name="store">The medium.</param>
    /// <param name="identity">Vendor/product ids and strings; <see cref="GadgetIdentity.MassStorage"/> when null.</param>
    /// <param name="scsiIdentity">INQUIRY strings; derived from <paramref name="identity"/> when null.</param>
    public MassStorageGadget(IBlockStore store, GadgetIdentity? identity = null, ScsiIdentity? scsiIdentity = null)
        : base(BuildDevice(identity ?? GadgetIdentity.MassStorage), BuildConfiguration(), UsbSpeed.High, (identity ?? GadgetIdentity.MassStorage).Strings)
    {
        ArgumentNullException.ThrowIfNull(store);
        identity ??= GadgetIdentity.MassStorage;
        if (!IsValidBotSerial(identity.Strings.SerialNumber))
        {
            throw new ArgumentException(
                $"A Bulk-Only Transport serial number is at least 12 characters 0-9/A-F; got '{identity.Strings.SerialNumber}'.",
                nameof(identity));
        }

        _store = store;
        _transport = new BulkOnlyTransport(new ScsiBlockDevice(
            store,
            scsiIdentity ?? new ScsiIdentity(identity.Strings.Manufacturer, identity.Strings.Product, "1.0", identity.Strings.SerialNumber)));
        _in = new PendingUrbQueue(Gate);
        _out = new PendingUrbQueue(Gate);
    }

    /// <summary>The block store behind the disk.</summary>
    public IBlockStore Store => _store;

    /// <summary>Opens (or creates) the image of <paramref name="settings"/> and builds the gadget over it.</summary>
    /// <param name="settings">Image path, size, read-only, serial.</param>
    public static MassStorageGadget Open(MassStorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var identity = GadgetIdentity.MassStorage.WithSerial(settings.SerialNumber ?? GadgetIdentity.SerialFor(settings.Name, 12));
        var store = ImageFileBlockStore.Open(settings.ImagePath, settings.SizeBytes, settings.ReadOnly);
        try
        {
            return new MassStorageGadget(store, identity with { Product = settings.Product ?? identity.Product });
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>BOT 4.1.1: the serial number has at least 12 characters, each 0-9 or A-F.</summary>
    /// <param name="serial">The serial number string.</param>
    public static bool IsValidBotSerial(string serial) =>
        serial is { Length: >= 12 } && serial.All(c => c is (>= '0' and <= '9') or (>= 'A' and <= 'F'));

    /// <inheritdoc />
    protected override Task<UrbResult> SubmitTransferLocked(UrbRequest request, CancellationToken unlink)
    {
        var queue = request.Direction == UsbDirection.In ? _in : _out;
        var task = queue.Add(request, unlink);
        Pump();
        return task;
    }

    /// <inheritdoc />
    protected override GadgetControlResponse HandleClassRequestLocked(SetupPacket request, ReadOnlySpan<byte> outData)
    {
        if (request.Recipient != RequestRecipient.Interface || (byte)request.Index != InterfaceNumber)
        {
            return GadgetControlResponse.Stall;
        }

        var response = _transport.HandleClassRequest(request);
        Pump();
        return response;
    }

    /// <inheritdoc />
    protected override bool IsEndpointHaltedLocked(byte endpointAddress) => endpointAddress switch
    {
        BulkInAddress => _transport.IsBulkInHalted,
        BulkOutAddress => _transport.IsBulkOutHalted,
        _ => false,
    };

    /// <inheritdoc />
    protected override void ClearHaltLocked(byte endpointAddress)
    {
        // While reset recovery is pending the halt persists (BOT 6.6.1); the request itself still succeeds.
        _transport.ClearHalt(endpointAddress == BulkInAddress);
        Pump();
    }

    /// <inheritdoc />
    protected override void OnConfigurationSetLocked(byte value)
    {
        _transport.Reset();
        _transport.ClearHalt(bulkIn: true);
        _transport.ClearHalt(bulkIn: false);
        Pump();
    }

    /// <inheritdoc />
    protected override void FailPendingLocked(UrbStatus status)
    {
        _in.FailAll(status);
        _out.FailAll(status);
    }

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync()
    {
        // ImageFileBlockStore flushes durably before it closes (detach).
        lock (Gate)
        {
            _store.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static DeviceDescriptor BuildDevice(GadgetIdentity identity) => new(
        0x0200, UsbClassCodes.PerInterface, 0, 0, 64, identity.VendorId, identity.ProductId, identity.DeviceVersion,
        GadgetStrings.ManufacturerIndex, GadgetStrings.ProductIndex, GadgetStrings.SerialNumberIndex, 1);

    private static ConfigurationDescriptor BuildConfiguration() => new ConfigurationBuilder()
        .MaxPowerMilliamps(100)
        .Interface(InterfaceNumber, UsbClassCodes.MassStorage, UsbClassCodes.MassStorageSubClassScsi, UsbClassCodes.MassStorageProtocolBulkOnly)
        .Endpoint(BulkInAddress & 0x0F, UsbDirection.In, TransferType.Bulk, 512)
        .Endpoint(BulkOutAddress & 0x0F, UsbDirection.Out, TransferType.Bulk, 512)
        .Build();

    /// <summary>Offers the oldest waiting URB of each direction to the transport until neither moves.</summary>
    private void Pump()
    {
        bool progress;
        do
        {
            progress = false;
            while (_out.Head is { } output)
            {
                var result = _transport.HandleOut(output.OutData.Span);
                if (result.Outcome == BulkTransferOutcome.Pending)
                {
                    break;
                }

                _out.CompleteHead(result.Outcome == BulkTransferOutcome.Stalled
                    ? new UrbResult(UrbStatus.Stall, result.Length)
                    : UrbResult.Transferred(output, result.Length));
                progress = true;
            }

            while (_in.Head is { } input)
            {
                var buffer = new byte[input.TransferLength];
                var result = _transport.ProduceIn(buffer);
                if (result.Outcome == BulkTransferOutcome.Pending)
                {
                    break;
                }

                var data = buffer.AsMemory(0, result.Length);
                _in.CompleteHead(result.Outcome == BulkTransferOutcome.Stalled
                    ? new UrbResult(UrbStatus.Stall, result.Length) { InData = data }
                    : UrbResult.Transferred(input, result.Length, data));
                progress = true;
            }
        }
        while (progress);
    }
}
