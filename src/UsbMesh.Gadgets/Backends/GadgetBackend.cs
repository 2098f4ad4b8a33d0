using UsbMesh.Devices;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Backends;

/// <summary>The string descriptors of a gadget: index 1 manufacturer, 2 product, 3 serial number; LANGID 0x0409.</summary>
/// <param name="Manufacturer">iManufacturer text.</param>
/// <param name="Product">iProduct text.</param>
/// <param name="SerialNumber">iSerialNumber text.</param>
public sealed record GadgetStrings(string Manufacturer, string Product, string SerialNumber)
{
    /// <summary>iManufacturer.</summary>
    public const byte ManufacturerIndex = 1;

    /// <summary>iProduct.</summary>
    public const byte ProductIndex = 2;

    /// <summary>iSerialNumber.</summary>
    public const byte SerialNumberIndex = 3;

    /// <summary>The text of string <paramref name="index"/>, or null when there is none.</summary>
    /// <param name="index">The string index (not 0).</param>
    public string? Get(byte index) => index switch
    {
        ManufacturerIndex => Manufacturer,
        ProductIndex => Product,
        SerialNumberIndex => SerialNumber,
        _ => null,
    };
}

/// <summary>
/// What every emulated gadget shares as an <see cref="IUsbDeviceBackend"/>: one configuration, the standard control
/// requests a device answers itself (GET_DESCRIPTOR of device, configuration, strings and device qualifier, cut to
/// wLength; GET_STATUS; GET_CONFIGURATION; GET_INTERFACE; and SET_CONFIGURATION, SET_INTERFACE,
/// CLEAR_FEATURE(ENDPOINT_HALT) should they arrive as control transfers rather than through the device layer),
/// routing of class requests and non-control transfers to the gadget, and disposal (every waiting URB completes
/// with <see cref="UrbStatus.DeviceGone"/>, later ones too).
/// </summary>
/// <remarks>
/// Thread-safety: one lock (<see cref="Gate"/>) guards the gadget's state; every <c>…Locked</c> member runs under
/// it. Waiting URBs live in <see cref="PendingUrbQueue"/>s and complete asynchronously, so no continuation runs
/// under the lock. Events for the application are raised from <see cref="RaiseEvents"/>, outside the lock.
/// The gadget starts configured (configuration 1 active), as a real device is when the exporting host hands it to
/// USB/IP: the importing host then enumerates it and selects the configuration again.
/// </remarks>
public abstract class GadgetBackend : IUsbDeviceBackend
{
    private readonly GadgetStrings _strings;
    private byte _activeConfiguration;
    private bool _gone;

    /// <summary>Creates the gadget.</summary>
    /// <param name="device">The device descriptor (iManufacturer/iProduct/iSerialNumber should be 1, 2, 3).</param>
    /// <param name="configuration">The only configuration.</param>
    /// <param name="speed">Bus speed.</param>
    /// <param name="strings">String descriptor texts.</param>
    protected GadgetBackend(DeviceDescriptor device, ConfigurationDescriptor configuration, UsbSpeed speed, GadgetStrings strings)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(strings);
        Device = device;
        Configuration = configuration;
        Configurations = [configuration];
        Speed = speed;
        _strings = strings;
        _activeConfiguration = configuration.ConfigurationValue;
    }

    /// <inheritdoc />
    public DeviceDescriptor Device { get; }

    /// <inheritdoc />
    public IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    /// <summary>The only configuration.</summary>
    public ConfigurationDescriptor Configuration { get; }

    /// <inheritdoc />
    public UsbSpeed Speed { get; }

    /// <summary>The string descriptor texts.</summary>
    public GadgetStrings Strings => _strings;

    /// <inheritdoc />
    public byte ActiveConfigurationValue
    {
        get
        {
            lock (Gate)
            {
                return _activeConfiguration;
            }
        }
    }

    /// <summary>True once the gadget was disposed (unplugged).</summary>
    public bool IsGone
    {
        get
        {
            lock (Gate)
            {
                return _gone;
            }
        }
    }

    /// <summary>The lock guarding the gadget's state.</summary>
    protected object Gate { get; } = new();

    /// <summary>True while configured (under the gate).</summary>
    protected bool IsConfiguredLocked => _activeConfiguration != 0;

    /// <inheritdoc />
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink)
    {
        ArgumentNullException.ThrowIfNull(request);
        Task<UrbResult> result;
        lock (Gate)
        {
            if (_gone)
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.DeviceGone));
            }

            if (request.TransferType == TransferType.Control)
            {
                result = Task.FromResult(Control(request));
            }
            else if (unlink.IsCancellationRequested)
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.Unlinked));
            }
            else if (!IsConfiguredLocked || Configuration.FindEndpoint(request.EndpointAddress) is not { } endpoint
                || endpoint.TransferType != request.TransferType)
            {
                // No such endpoint in the current state: the device never answers the token; a host controller
                // reports that as a protocol error.
                return Task.FromResult(UrbResult.Failed(UrbStatus.Other));
            }
            else
            {
                result = SubmitTransferLocked(request, unlink);
            }
        }

        RaiseEvents();
        return result;
    }

    /// <inheritdoc />
    public Task SetConfigurationAsync(byte value)
    {
        lock (Gate)
        {
            ThrowIfGone();
            if (!TrySetConfigurationLocked(value))
            {
                throw new UsbBackendException(UrbStatus.Stall, $"The gadget has no configuration {value}.");
            }
        }

        RaiseEvents();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetInterfaceAsync(byte interfaceNumber, byte alternate)
    {
        lock (Gate)
        {
            ThrowIfGone();
            if (!TrySetInterfaceLocked(interfaceNumber, alternate))
            {
                throw new UsbBackendException(UrbStatus.Stall, $"Interface {interfaceNumber} has no alternate setting {alternate}.");
            }
        }

        RaiseEvents();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearHaltAsync(byte endpointAddress)
    {
        lock (Gate)
        {
            ThrowIfGone();
            if (Configuration.FindEndpoint(endpointAddress) is null)
            {
                throw new UsbBackendException(UrbStatus.Stall, $"The gadget has no endpoint 0x{endpointAddress:X2}.");
            }

            ClearHaltLocked(endpointAddress);
        }

        RaiseEvents();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ResetAsync()
    {
        lock (Gate)
        {
            ThrowIfGone();
            ResetLocked();
        }

        RaiseEvents();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The holder let go (released it, disconnected or died): the gadget is reset as a port reset would, as Linux's
    /// usbip-host resets a device whose client went away, so the next holder finds it fresh; a command the last
    /// holder left half done (a WRITE whose data never came) would otherwise take the next holder's first command
    /// as its data.
    /// </summary>
    public Task LeaseEndedAsync()
    {
        lock (Gate)
        {
            if (_gone)
            {
                return Task.CompletedTask;
            }

            ResetLocked();
        }

        RaiseEvents();
        return Task.CompletedTask;
    }

    /// <summary>Unplugs the gadget: waiting and later transfers complete with <see cref="UrbStatus.DeviceGone"/>; then <see cref="DisposeCoreAsync"/> runs once.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (Gate)
        {
            if (_gone)
            {
                return;
            }

            _gone = true;
            FailPendingLocked(UrbStatus.DeviceGone);
        }

        RaiseEvents();
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs a bulk or interrupt transfer to an endpoint of the active configuration (under the gate).</summary>
    /// <param name="request">The URB (its endpoint exists and matches its transfer type).</param>
    /// <param name="unlink">Cancelled on unlink; a URB the gadget keeps waiting must honour it (<see cref="PendingUrbQueue"/> does).</param>
    protected abstract Task<UrbResult> SubmitTransferLocked(UrbRequest request, CancellationToken unlink);

    /// <summary>Answers a class or vendor request (under the gate). The default stalls.</summary>
    /// <param name="request">The SETUP packet.</param>
    /// <param name="outData">The OUT data stage (empty for IN requests).</param>
    protected virtual GadgetControlResponse HandleClassRequestLocked(SetupPacket request, ReadOnlySpan<byte> outData) =>
        GadgetControlResponse.Stall;

    /// <summary>A class descriptor fetched with a standard GET_DESCRIPTOR to an interface (HID 0x21/0x22), or null to stall.</summary>
    /// <param name="setup">The request.</param>
    /// <param name="descriptorType">High byte of wValue.</param>
    /// <param name="descriptorIndex">Low byte of wValue.</param>
    protected virtual byte[]? GetInterfaceDescriptorLocked(SetupPacket setup, byte descriptorType, byte descriptorIndex) => null;

    /// <summary>Whether <paramref name="endpointAddress"/> is halted (GET_STATUS); the default: never.</summary>
    /// <param name="endpointAddress">The endpoint.</param>
    protected virtual bool IsEndpointHaltedLocked(byte endpointAddress) => false;

    /// <summary>CLEAR_FEATURE(ENDPOINT_HALT) on an endpoint of the configuration (under the gate). The default does nothing.</summary>
    /// <param name="endpointAddress">The endpoint.</param>
    protected virtual void ClearHaltLocked(byte endpointAddress)
    {
    }

    /// <summary>
    /// The configuration was selected (again) or dropped (value 0): endpoints start afresh (under the gate).
    /// The default does nothing.
    /// </summary>
    /// <param name="value">The new bConfigurationValue.</param>
    protected virtual void OnConfigurationSetLocked(byte value)
    {
    }

    /// <summary>Port reset (under the gate). The default treats it like selecting the configuration again.</summary>
    protected virtual void ResetLocked() => OnConfigurationSetLocked(_activeConfiguration);

    /// <summary>Completes every waiting URB with <paramref name="status"/> (under the gate).</summary>
    /// <param name="status">The status.</param>
    protected abstract void FailPendingLocked(UrbStatus status);

    /// <summary>Releases the gadget's resources after it was unplugged (once). The default does nothing.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    /// <summary>Raises the gadget's pending application events; called outside the gate after every operation.</summary>
    protected virtual void RaiseEvents()
    {
    }

    private void ThrowIfGone()
    {
        if (_gone)
        {
            throw new UsbBackendException(UrbStatus.DeviceGone, "The gadget was unplugged.");
        }
    }

    private bool TrySetConfigurationLocked(byte value)
    {
        if (value != 0 && value != Configuration.ConfigurationValue)
        {
            return false;
        }

        _activeConfiguration = value;
        OnConfigurationSetLocked(value);
        return true;
    }

    private bool TrySetInterfaceLocked(byte interfaceNumber, byte alternate)
    {
        if (!IsConfiguredLocked || Configuration.FindInterface(interfaceNumber, alternate) is null)
        {
            return false;
        }

        foreach (var endpoint in Configuration.Interfaces.Where(i => i.InterfaceNumber == interfaceNumber).SelectMany(i => i.Endpoints))
        {
            ClearHaltLocked(endpoint.Address);
        }

        return true;
    }

    private UrbResult Control(UrbRequest request)
    {
        var setup = request.Setup!.Value;
        if (setup.Type != RequestType.Standard)
        {
            var response = HandleClassRequestLocked(
                setup,
                request.OutData.Span);
            if (response.Outcome == GadgetControlOutcome.Stall)
            {
                return UrbResult.Failed(UrbStatus.Stall);
            }

            return setup.Direction == UsbDirection.In
                ? In(request, response.Data)
                : UrbResult.Transferred(request, request.TransferLength);
        }

        if (setup.IsGetDescriptor(out var type, out var index, out _))
        {
            var descriptor = setup.Recipient switch
            {
                RequestRecipient.Device => GetDeviceDescriptor(type, index),
                RequestRecipient.Interface => GetInterfaceDescriptorLocked(setup, type, index),
                _ => null,
            };
            return descriptor is null ? UrbResult.Failed(UrbStatus.Stall) : In(request, descriptor);
        }

        var ok = UrbResult.Transferred(request, 0);
        switch ((StandardRequest)setup.Request)
        {
            case StandardRequest.GetStatus when setup.Direction == UsbDirection.In && setup.Value == 0:
                return GetStatus(request, setup);
            case StandardRequest.GetConfiguration when setup.RequestTypeBits == 0x80:
                return In(request, new[] { _activeConfiguration });
            case StandardRequest.GetInterface when setup.RequestTypeBits == 0x81 && IsConfiguredLocked
                && Configuration.FindInterface((byte)setup.Index) is not null:
                return In(request, new byte[] { 0 });
            case StandardRequest.SetConfiguration when setup.IsSetConfiguration(out var value):
                return TrySetConfigurationLocked(value) ? ok : UrbResult.Failed(UrbStatus.Stall);
            case StandardRequest.SetInterface when setup.IsSetInterface(out var number, out var alternate):
                return TrySetInterfaceLocked(number, alternate) ? ok : UrbResult.Failed(UrbStatus.Stall);
            case StandardRequest.ClearFeature when setup.IsClearEndpointHalt(out var address):
                if (address == 0 || (address & 0x7F) == 0)
                {
                    return ok;
                }

                if (Configuration.FindEndpoint(address) is null)
                {
                    return UrbResult.Failed(UrbStatus.Stall);
                }

                ClearHaltLocked(address);
                return ok;
            case StandardRequest.SetAddress when setup.RequestTypeBits == 0x00:
                return ok;
            default:
                return UrbResult.Failed(UrbStatus.Stall);
        }
    }

    private UrbResult GetStatus(UrbRequest request, SetupPacket setup)
    {
        var status = setup.Recipient switch
        {
            RequestRecipient.Device => Configuration.SelfPowered ? (byte)0x01 : (byte)0x00,
            RequestRecipient.Interface when Configuration.FindInterface((byte)setup.Index) is not null => (byte)0x00,
            RequestRecipient.Endpoint when (setup.Index & 0x7F) == 0 => (byte)0x00,
            RequestRecipient.Endpoint when Configuration.FindEndpoint((byte)setup.Index) is not null =>
                IsEndpointHaltedLocked((byte)setup.Index) ? (byte)0x01 : (byte)0x00,
            _ => (byte?)null,
        };
        return status is { } bits ? In(request, new byte[] { bits, 0 }) : UrbResult.Failed(UrbStatus.Stall);
    }

    private byte[]? GetDeviceDescriptor(byte type, byte index)
    {
        switch (type)
        {
            case DescriptorTypes.Device when index == 0:
                return Device.ToBytes();
            case DescriptorTypes.Configuration when index == 0:
                return Configuration.ToBytes();
            case DescriptorTypes.String when index == 0:
                return StringDescriptor.BuildLanguageIds(StringDescriptor.LanguageEnglishUnitedStates);
            case DescriptorTypes.String:
                return _strings.Get(index) is { } text ? new StringDescriptor(text).ToBytes() : null;
            case DescriptorTypes.DeviceQualifier when Speed == UsbSpeed.High:
                // What the device would be at the other speed (USB 2.0 9.6.2): the same class, one configuration.
                return
                [
                    10, DescriptorTypes.DeviceQualifier, (byte)Device.UsbVersion, (byte)(Device.UsbVersion >> 8),
                    Device.DeviceClass, Device.DeviceSubClass, Device.DeviceProtocol, Device.MaxPacketSize0, 1, 0,
                ];
            default:
                return null;   // full/low-speed devices stall DEVICE_QUALIFIER; other-speed configurations are not offered
        }
    }

    private static UrbResult In(UrbRequest request, ReadOnlyMemory<byte> data)
    {
        var length = Math.Min(data.Length, request.TransferLength);
        return UrbResult.Transferred(request, length, data[..length]);
    }
}
