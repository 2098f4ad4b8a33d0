namespace UsbMesh.Usb;

/// <summary>
/// Fluent construction of a configuration for emulated gadgets. Calls append in wire order:
/// <see cref="Interface"/> starts an alternate setting; <see cref="Endpoint(int, UsbDirection, TransferType, int, byte, int)"/>
/// adds an endpoint to it; <see cref="ClassSpecific"/> and <see cref="Hid"/> attach to the latest endpoint, or to
/// the interface when it has no endpoint yet, or to the configuration before any interface. <c>wTotalLength</c>,
/// <c>bNumInterfaces</c> and <c>bNumEndpoints</c> are computed.
/// </summary>
/// <example>
/// <code>
/// var config = new ConfigurationBuilder()
///     .Interface(0, UsbClassCodes.Hid, UsbClassCodes.HidSubClassBoot, UsbClassCodes.HidProtocolKeyboard)
///     .Hid(HidDescriptor.ForReport(HidReportDescriptors.BootKeyboard.Length))
///     .Endpoint(1, UsbDirection.In, TransferType.Interrupt, 8, interval: 10)
///     .Build();
/// </code>
/// </example>
public sealed class ConfigurationBuilder
{
    private readonly List<UsbDescriptor> _leading = [];
    private readonly List<InterfaceDescriptor> _interfaces = [];
    private readonly List<UsbDescriptor> _currentClassSpecific = [];
    private readonly List<EndpointDescriptor> _currentEndpoints = [];
    private byte _configurationValue = 1;
    private byte _configurationStringIndex;
    private byte _attributes = ConfigurationDescriptor.AttributeReservedOne;
    private byte _maxPower = 50;
    private InterfaceDescriptor? _current;

    /// <summary>Sets bConfigurationValue (default 1).</summary>
    /// <param name="value">The value SET_CONFIGURATION selects this configuration with (not 0).</param>
    public ConfigurationBuilder Value(byte value)
    {
        ArgumentOutOfRangeException.ThrowIfZero(value);
        _configurationValue = value;
        return this;
    }

    /// <summary>Sets iConfiguration (default 0).</summary>
    /// <param name="stringIndex">The string index.</param>
    public ConfigurationBuilder StringIndex(byte stringIndex)
    {
        _configurationStringIndex = stringIndex;
        return this;
    }

    /// <summary>Sets the power attributes (bit 7 is always set).</summary>
    /// <param name="selfPowered">D6.</param>
    /// <param name="remoteWakeup">D5.</param>
    public ConfigurationBuilder Power(bool selfPowered, bool remoteWakeup)
    {
        _attributes = (byte)(ConfigurationDescriptor.AttributeReservedOne
            | (selfPowered ? ConfigurationDescriptor.AttributeSelfPowered : 0)
            | (remoteWakeup ? ConfigurationDescriptor.AttributeRemoteWakeup : 0));
        return this;
    }

    /// <summary>Sets bMaxPower from milliamperes in 2 mA units (default 100 mA).</summary>
    /// <param name="milliamps">0..510 mA.</param>
    public ConfigurationBuilder MaxPowerMilliamps(int milliamps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliamps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliamps, 510);
        _maxPower = (byte)((milliamps + 1) / 2);
        return this;
    }

    /// <summary>Starts an interface alternate setting.</summary>
    /// <param name="number">bInterfaceNumber.</param>
    /// <param name="interfaceClass">bInterfaceClass.</param>
    /// <param name="subClass">bInterfaceSubClass.</param>
    /// <param name="protocol">bInterfaceProtocol.</param>
    /// <param name="alternateSetting">bAlternateSetting.</param>
    /// <param name="stringIndex">iInterface.</param>
    public ConfigurationBuilder Interface(byte number, byte interfaceClass, byte subClass = 0, byte protocol = 0, byte alternateSetting = 0, byte stringIndex = 0)
    {
        FinishInterface();
        if (_interfaces.Any(i => i.InterfaceNumber == number && i.AlternateSetting == alternateSetting))
        {
            throw new InvalidOperationException($"Interface {number} alternate setting {alternateSetting} is already defined.");
        }

        _current = new InterfaceDescriptor(number, alternateSetting, interfaceClass, subClass, protocol, stringIndex);
        return this;
    }

    /// <summary>Adds an endpoint to the current interface.</summary>
    /// <param name="number">Endpoint number 1..15.</param>
    /// <param name="direction">Direction.</param>
    /// <param name="type">Transfer type.</param>
    /// <param name="maxPacketBytes">Packet size.</param>
    /// <param name="interval">bInterval.</param>
    /// <param name="additionalTransactions">High-bandwidth additional transactions per microframe (0..2).</param>
    public ConfigurationBuilder Endpoint(int number, UsbDirection direction, TransferType type, int maxPacketBytes, byte interval = 0, int additionalTransactions = 0) =>
        Endpoint(EndpointDescriptor.Create(number, direction, type, maxPacketBytes, interval, additionalTransactions));

    /// <summary>Adds a prepared endpoint descriptor to the current interface.</summary>
    /// <param name="endpoint">The endpoint.</param>
    public ConfigurationBuilder Endpoint(EndpointDescriptor endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (_current is null)
        {
            throw new InvalidOperationException("An endpoint must follow an interface.");
        }

        if (_currentEndpoints.Count >= InterfaceDescriptor.MaxEndpoints)
        {
            throw new InvalidOperationException($"An interface has at most {InterfaceDescriptor.MaxEndpoints} endpoints.");
        }

        if (_currentEndpoints.Any(e => e.Address == endpoint.Address))
        {
            throw new InvalidOperationException($"Endpoint 0x{endpoint.Address:X2} is already in interface {_current.InterfaceNumber}.");
        }

        _currentEndpoints.Add(endpoint);
        return this;
    }

    /// <summary>Appends a class-specific (or any other) descriptor at the current position.</summary>
    /// <param name="descriptor">The descriptor.</param>
    public ConfigurationBuilder ClassSpecific(UsbDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor is ConfigurationDescriptor or InterfaceDescriptor or EndpointDescriptor or DeviceDescriptor)
        {
            throw new ArgumentException("Standard descriptors have their own builder methods.", nameof(descriptor));
        }

        if (_current is null)
        {
            _leading.Add(descriptor);
        }
        else if (_currentEndpoints.Count > 0)
        {
            var last = _currentEndpoints[^1];
            _currentEndpoints[^1] = last with { Extra = [.. last.Extra, descriptor] };
        }
        else
        {
            _currentClassSpecific.Add(descriptor);
        }

        return this;
    }

    /// <summary>Appends a HID descriptor to the current interface (before its endpoints).</summary>
    /// <param name="hid">The HID descriptor.</param>
    public ConfigurationBuilder Hid(HidDescriptor hid) => ClassSpecific(hid);

    /// <summary>Builds the configuration.</summary>
    public ConfigurationDescriptor Build()
    {
        var interfaces = new List<InterfaceDescriptor>(_interfaces);
        if (_current is not null)
        {
            interfaces.Add(Snapshot(_current));
        }

        var configuration = new ConfigurationDescriptor(_configurationValue, _configurationStringIndex, _attributes, _maxPower)
        {
            ClassSpecific = _leading.ToArray(),
            Interfaces = interfaces.ToArray(),
        };
        if (configuration.TotalLength > ushort.MaxValue)
        {
            throw new InvalidOperationException($"The configuration is {configuration.TotalLength} bytes; wTotalLength holds at most {ushort.MaxValue}.");
        }

        return configuration;
    }

    /// <summary>Builds the configuration and returns its full bytes.</summary>
    public byte[] ToBytes() => Build().ToBytes();

    private InterfaceDescriptor Snapshot(InterfaceDescriptor current) => current with
    {
        ClassSpecific = _currentClassSpecific.ToArray(),
        Endpoints = _currentEndpoints.ToArray(),
    };

    private void FinishInterface()
    {
        if (_current is null)
        {
            return;
        }

        _interfaces.Add(Snapshot(_current));
        _current = null;
        _currentClassSpecific.Clear();
        _currentEndpoints.Clear();
    }
}
