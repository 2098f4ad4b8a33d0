namespace UsbMesh.Usb.Tests;

public class GoldenDescriptorTests
{
    [Fact]
    public void Keyboard_device_descriptor_parses_and_round_trips()
    {
        var device = DeviceDescriptor.Parse(GoldenDevices.KeyboardDevice);

        Assert.Equal(0x0200, device.UsbVersion);
        Assert.Equal(UsbClassCodes.PerInterface, device.DeviceClass);
        Assert.Equal(8, device.MaxPacketSize0);
        Assert.Equal(0x046A, device.VendorId);
        Assert.Equal(0x0011, device.ProductId);
        Assert.Equal(0x0100, device.DeviceVersion);
        Assert.Equal(0, device.ManufacturerStringIndex);
        Assert.Equal(1, device.NumConfigurations);
        Assert.Equal(GoldenDevices.KeyboardDevice, device.ToBytes());
    }

    [Fact]
    public void Keyboard_configuration_exposes_boot_interface_hid_descriptor_and_interrupt_endpoint()
    {
        var config = ConfigurationDescriptor.Parse(GoldenDevices.KeyboardConfiguration);

        Assert.Equal(0x22, config.TotalLength);
        Assert.Equal(1, config.NumInterfaces);
        Assert.Equal(1, config.ConfigurationValue);
        Assert.True(config.RemoteWakeup);
        Assert.False(config.SelfPowered);
        Assert.Equal(100, config.MaxPowerMilliamps(UsbSpeed.Low));

        var keyboard = Assert.Single(config.Interfaces);
        Assert.Equal((UsbClassCodes.Hid, UsbClassCodes.HidSubClassBoot, UsbClassCodes.HidProtocolKeyboard),
            (keyboard.InterfaceClass, keyboard.InterfaceSubClass, keyboard.InterfaceProtocol));

        var hid = Assert.IsType<HidDescriptor>(Assert.Single(keyboard.ClassSpecific));
        Assert.Equal(0x0111, hid.HidVersion);
        Assert.Equal(GoldenDevices.KeyboardReport.Length, hid.ReportDescriptorLength);
        Assert.Same(hid, keyboard.Hid);

        var endpoint = Assert.Single(keyboard.Endpoints);
        Assert.Equal(0x81, endpoint.Address);
        Assert.Equal(1, endpoint.Number);
        Assert.Equal(UsbDirection.In, endpoint.Direction);
        Assert.Equal(TransferType.Interrupt, endpoint.TransferType);
        Assert.Equal(8, endpoint.MaxPacketBytes);
        Assert.Equal(10, endpoint.Interval);

        Assert.Equal(GoldenDevices.KeyboardConfiguration, config.ToBytes());
    }

    [Fact]
    public void Card_reader_is_bulk_only_mass_storage_and_round_trips()
    {
        var device = DeviceDescriptor.Parse(GoldenDevices.CardReaderDevice);
        Assert.Equal((0x0BDA, 0x0158, 0x5195), (device.VendorId, device.ProductId, device.DeviceVersion));
        Assert.Equal(64, device.ControlMaxPacketBytes);
        Assert.Equal(GoldenDevices.CardReaderDevice, device.ToBytes());

        var config = ConfigurationDescriptor.Parse(GoldenDevices.CardReaderConfiguration);
        Assert.Equal(4, config.ConfigurationStringIndex);
        Assert.Equal(500, config.MaxPowerMilliamps(UsbSpeed.High));

        var storage = Assert.Single(config.Interfaces);
        Assert.Equal((UsbClassCodes.MassStorage, UsbClassCodes.MassStorageSubClassScsi, UsbClassCodes.MassStorageProtocolBulkOnly),
            (storage.InterfaceClass, storage.InterfaceSubClass, storage.InterfaceProtocol));
        Assert.Equal(5, storage.InterfaceStringIndex);
        Assert.Empty(storage.ClassSpecific);
        Assert.Collection(storage.Endpoints,
            e => Assert.Equal((UsbDirection.Out, TransferType.Bulk, 512), (e.Direction, e.TransferType, e.MaxPacketBytes)),
            e => Assert.Equal((UsbDirection.In, TransferType.Bulk, 512, 2), (e.Direction, e.TransferType, e.MaxPacketBytes, e.Number)));
        Assert.Same(storage.Endpoints[1], config.FindEndpoint(0x82));

        Assert.Equal(GoldenDevices.CardReaderConfiguration, config.ToBytes());
    }

    [Fact]
    public void Cdc_acm_configuration_keeps_functional_descriptors_in_order_and_round_trips()
    {
        var config = ConfigurationDescriptor.Parse(GoldenDevices.CdcAcmConfiguration);

        Assert.Equal(2, config.NumInterfaces);
        var control = config.FindInterface(0)!;
        var data = config.FindInterface(1)!;
        Assert.Equal((UsbClassCodes.Communications, UsbClassCodes.CdcSubClassAcm), (control.InterfaceClass, control.InterfaceSubClass));
        Assert.Equal(UsbClassCodes.CdcData, data.InterfaceClass);

        var functional = control.ClassSpecific.Cast<ClassSpecificDescriptor>().ToArray();
        Assert.All(functional, f => Assert.Equal(DescriptorTypes.ClassSpecificInterface, f.DescriptorType));
        Assert.Equal(
            new byte?[] { CdcFunctionalDescriptors.HeaderSubtype, CdcFunctionalDescriptors.CallManagementSubtype, CdcFunctionalDescriptors.AbstractControlManagementSubtype, CdcFunctionalDescriptors.UnionSubtype },
            functional.Select(f => f.Subtype));
        Assert.Equal(CdcFunctionalDescriptors.Union(0, 1).ToBytes(), functional[3].ToBytes());

        var notify = Assert.Single(control.Endpoints);
        Assert.Equal((TransferType.Interrupt, 16, 0x40), (notify.TransferType, notify.MaxPacketBytes, (int)notify.Interval));
        Assert.Equal(new byte[] { 0x02, 0x82 }, data.Endpoints.Select(e => e.Address));

        Assert.Equal(GoldenDevices.CdcAcmConfiguration, config.ToBytes());
    }

    [Fact]
    public void Language_id_string_zero_parses_and_builds()
    {
        Assert.Equal(new ushort[] { StringDescriptor.LanguageEnglishUnitedStates }, StringDescriptor.ParseLanguageIds(GoldenDevices.LanguageIds));
        Assert.Equal(GoldenDevices.LanguageIds, StringDescriptor.BuildLanguageIds(0x0409));
    }

    [Fact]
    public void Published_string_with_bLength_beyond_its_bytes_is_rejected()
    {
        var error = Assert.Throws<UsbDescriptorException>(() => StringDescriptor.Parse(GoldenDevices.KroneumProductStringAsPublished));
        Assert.Equal(0, error.Offset);
        Assert.Equal("bLength", error.Field);

        var fixedUp = GoldenDevices.KroneumProductStringAsPublished.ToArray();
        fixedUp[0] = (byte)fixedUp.Length;
        Assert.Equal("Kroneum", StringDescriptor.Parse(fixedUp).Text);
        Assert.Equal(fixedUp, new StringDescriptor("Kroneum").ToBytes());
    }

    [Fact]
    public void String_descriptor_round_trips_non_ascii_utf16()
    {
        var text = "Tastatur \u00C4\u00D6\u00DC \u20AC \U0001F5AE";
        var bytes = new StringDescriptor(text).ToBytes();
        Assert.Equal(2 + (2 * text.Length), bytes[0]);
        Assert.Equal(text, StringDescriptor.Parse(bytes).Text);
    }

    [Fact]
    public void Configuration_header_alone_is_the_first_nine_bytes_of_the_blob()
    {
        var config = ConfigurationDescriptor.Parse(GoldenDevices.CdcAcmConfiguration);
        var header = new byte[ConfigurationDescriptor.Size];
        config.WriteTo(header);
        Assert.Equal(GoldenDevices.CdcAcmConfiguration[..9], header);
        Assert.Equal(ConfigurationDescriptor.Size, config.Length);
    }

    [Fact]
    public void Keyboard_report_descriptor_is_announced_length()
    {
        var config = ConfigurationDescriptor.Parse(GoldenDevices.KeyboardConfiguration);
        Assert.Equal(GoldenDevices.KeyboardReport.Length, config.Interfaces[0].Hid!.ReportDescriptorLength);
    }
}

public class HidTypingTests
{
    [Fact]
    public void Type_0x21_outside_a_hid_interface_stays_generic()
    {
        // A DFU runtime interface (class 0xFE, subclass 1) carries a 9-byte DFU functional descriptor, also type 0x21
        // (DFU 1.1 §4.1.3): bmAttributes 0x0B, wDetachTimeOut 255, wTransferSize 2048, bcdDFUVersion 1.1a.
        var bytes = Hex.Parse("""
            09 02 1B 00 01 01 00 80 32
            09 04 00 00 00 FE 01 01 00
            09 21 0B FF 00 00 08 1A 01
            """);
        var config = ConfigurationDescriptor.Parse(bytes);
        var functional = Assert.IsType<ClassSpecificDescriptor>(Assert.Single(config.Interfaces[0].ClassSpecific));
        Assert.Equal(DescriptorTypes.Hid, functional.DescriptorType);
        Assert.Null(config.Interfaces[0].Hid);
        Assert.Equal(bytes, config.ToBytes());
    }

    [Fact]
    public void Hid_descriptor_with_report_and_physical_entries_round_trips()
    {
        var bytes = Hex.Parse("0C 21 11 01 21 02 22 3F 00 23 10 00");
        var hid = HidDescriptor.Parse(bytes);
        Assert.Equal(0x21, hid.CountryCode);
        Assert.Equal(63, hid.ReportDescriptorLength);
        Assert.Equal(2, hid.ClassDescriptors.Count);
        Assert.Equal(bytes, hid.ToBytes());
    }
}
