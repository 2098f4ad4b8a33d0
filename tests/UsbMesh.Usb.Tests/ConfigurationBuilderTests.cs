namespace UsbMesh.Usb.Tests;

public class ConfigurationBuilderTests
{
    [Fact]
    public void Boot_keyboard_gadget_matches_hand_written_bytes()
    {
        var bytes = new ConfigurationBuilder()
            .Power(selfPowered: false, remoteWakeup: true)
            .MaxPowerMilliamps(100)
            .Interface(0, UsbClassCodes.Hid, UsbClassCodes.HidSubClassBoot, UsbClassCodes.HidProtocolKeyboard)
            .Hid(HidDescriptor.ForReport(HidReportDescriptors.BootKeyboard.Length))
            .Endpoint(1, UsbDirection.In, TransferType.Interrupt, maxPacketBytes: 8, interval: 10)
            .ToBytes();

        var expected = Hex.Parse("""
            09 02 22 00 01 01 00 A0 32  // configuration: wTotalLength 34, 1 interface, value 1, remote wakeup, 100 mA
            09 04 00 00 01 03 01 01 00  // interface 0 alt 0: 1 endpoint, HID, boot, keyboard
            09 21 11 01 00 01 22 3F 00  // HID 1.11, country 0, 1 descriptor: report, 63 bytes
            07 05 81 03 08 00 0A        // EP 1 IN, interrupt, 8 bytes, every 10 frames
            """);
        Assert.Equal(Hex.Format(expected), Hex.Format(bytes));
        Assert.Equal(bytes, ConfigurationDescriptor.Parse(bytes).ToBytes());
    }

    [Fact]
    public void Boot_keyboard_report_descriptor_is_the_63_byte_hid_appendix_b1_layout()
    {
        Assert.Equal(63, HidReportDescriptors.BootKeyboard.Length);
        Assert.Equal(new byte[] { 0x05, 0x01, 0x09, 0x06, 0xA1, 0x01 }, HidReportDescriptors.BootKeyboard[..6].ToArray());
        Assert.Equal(0xC0, HidReportDescriptors.BootKeyboard[^1]);
    }

    [Fact]
    public void Bulk_only_mass_storage_gadget_matches_hand_written_bytes()
    {
        var bytes = new ConfigurationBuilder()
            .MaxPowerMilliamps(500)
            .Interface(0, UsbClassCodes.MassStorage, UsbClassCodes.MassStorageSubClassScsi, UsbClassCodes.MassStorageProtocolBulkOnly)
            .Endpoint(1, UsbDirection.In, TransferType.Bulk, 512)
            .Endpoint(2, UsbDirection.Out, TransferType.Bulk, 512)
            .ToBytes();

        var expected = Hex.Parse("""
            09 02 20 00 01 01 00 80 FA  // configuration: 32 bytes, 1 interface, bus powered, 500 mA
            09 04 00 00 02 08 06 50 00  // interface 0: 2 endpoints, mass storage, SCSI, bulk-only
            07 05 81 02 00 02 00        // EP 1 IN bulk 512
            07 05 02 02 00 02 00        // EP 2 OUT bulk 512
            """);
        Assert.Equal(Hex.Format(expected), Hex.Format(bytes));
        Assert.Equal(bytes, ConfigurationDescriptor.Parse(bytes).ToBytes());
    }

    [Fact]
    public void Cdc_acm_gadget_with_interface_association_matches_hand_written_bytes()
    {
        var bytes = new ConfigurationBuilder()
            .ClassSpecific(new ClassSpecificDescriptor(DescriptorTypes.InterfaceAssociation, [0x00, 0x02, 0x02, 0x02, 0x01, 0x00]))
            .Interface(0, UsbClassCodes.Communications, UsbClassCodes.CdcSubClassAcm, UsbClassCodes.CdcProtocolAtCommands)
            .ClassSpecific(CdcFunctionalDescriptors.Header(0x0110))
            .ClassSpecific(CdcFunctionalDescriptors.CallManagement(0x00, dataInterface: 1))
            .ClassSpecific(CdcFunctionalDescriptors.AbstractControlManagement())
            .ClassSpecific(CdcFunctionalDescriptors.Union(0, 1))
            .Endpoint(3, UsbDirection.In, TransferType.Interrupt, 8, interval: 16)
            .Interface(1, UsbClassCodes.CdcData)
            .Endpoint(1, UsbDirection.Out, TransferType.Bulk, 64)
            .Endpoint(2, UsbDirection.In, TransferType.Bulk, 64)
            .ToBytes();

        var expected = Hex.Parse("""
            09 02 4B 00 02 01 00 80 32  // configuration: 75 bytes, 2 interfaces, 100 mA
            08 0B 00 02 02 02 01 00     // interface association: first 0, count 2, CDC ACM AT
            09 04 00 00 01 02 02 01 00  // interface 0: 1 endpoint, CDC, ACM, AT commands
            05 24 00 10 01              // CS_INTERFACE header, bcdCDC 1.10
            05 24 01 00 01              // call management: caps 0, data interface 1
            04 24 02 02                 // ACM: line coding and serial state
            05 24 06 00 01              // union: control 0, subordinate 1
            07 05 83 03 08 00 10        // EP 3 IN interrupt 8, interval 16
            09 04 01 00 02 0A 00 00 00  // interface 1: 2 endpoints, CDC data
            07 05 01 02 40 00 00        // EP 1 OUT bulk 64
            07 05 82 02 40 00 00        // EP 2 IN bulk 64
            """);
        Assert.Equal(Hex.Format(expected), Hex.Format(bytes));

        var parsed = ConfigurationDescriptor.Parse(bytes);
        Assert.Equal(DescriptorTypes.InterfaceAssociation, Assert.Single(parsed.ClassSpecific).DescriptorType);
        Assert.Equal(bytes, parsed.ToBytes());
    }

    [Fact]
    public void Alternate_settings_count_once_and_endpoint_extras_follow_their_endpoint()
    {
        var companion = new ClassSpecificDescriptor(DescriptorTypes.SuperSpeedEndpointCompanion, [0x0F, 0x00, 0x00, 0x00]);
        var config = new ConfigurationBuilder()
            .Interface(0, UsbClassCodes.VendorSpecific)
            .Interface(0, UsbClassCodes.VendorSpecific, alternateSetting: 1)
            .Endpoint(1, UsbDirection.In, TransferType.Bulk, 1024)
            .ClassSpecific(companion)
            .Build();

        Assert.Equal(1, config.NumInterfaces);
        Assert.Equal(2, config.Interfaces.Count);
        var bytes = config.ToBytes();
        Assert.Equal(9 + 9 + 9 + 7 + 6, bytes.Length);
        Assert.Equal(0x00, bytes[9 + 4]); // alt 0: bNumEndpoints 0
        Assert.Equal(0x01, bytes[18 + 4]); // alt 1: bNumEndpoints 1
        Assert.Equal(companion.ToBytes(), bytes[^6..]);

        var parsed = ConfigurationDescriptor.Parse(bytes);
        Assert.Same(parsed.Interfaces[1].Endpoints[0].Extra[0], Assert.Single(parsed.Interfaces[1].Endpoints[0].Extra));
        Assert.Equal(bytes, parsed.ToBytes());
    }

    [Fact]
    public void High_bandwidth_isochronous_endpoint_encodes_additional_transactions()
    {
        var endpoint = EndpointDescriptor.Create(1, UsbDirection.In, TransferType.Isochronous, 1024, interval: 1, additionalTransactions: 2);
        Assert.Equal(Hex.Parse("07 05 81 01 00 14 01"), endpoint.ToBytes());
        Assert.Equal(1024, endpoint.MaxPacketBytes);
        Assert.Equal(2, endpoint.AdditionalTransactions);
        Assert.Equal(3072, endpoint.BytesPerInterval);
    }

    [Fact]
    public void Audio_endpoint_keeps_refresh_and_synch_address()
    {
        var bytes = Hex.Parse("09 05 01 09 C0 00 01 00 00");
        var endpoint = EndpointDescriptor.Parse(bytes);
        Assert.Equal(((byte)0, (byte)0), endpoint.AudioExtension);
        Assert.Equal(IsoSyncType.Adaptive, endpoint.SyncType);
        Assert.Equal(bytes, endpoint.ToBytes());
    }

    [Fact]
    public void Builder_rejects_misuse()
    {
        Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder().Endpoint(1, UsbDirection.In, TransferType.Bulk, 64));
        Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder()
            .Interface(0, UsbClassCodes.VendorSpecific)
            .Endpoint(1, UsbDirection.In, TransferType.Bulk, 64)
            .Endpoint(1, UsbDirection.In, TransferType.Bulk, 64));
        Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder()
            .Interface(0, UsbClassCodes.VendorSpecific)
            .Interface(0, UsbClassCodes.VendorSpecific));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfigurationBuilder().Interface(0, 0xFF).Endpoint(0, UsbDirection.In, TransferType.Bulk, 64));
        Assert.Throws<ArgumentException>(() => new ConfigurationBuilder().ClassSpecific(new InterfaceDescriptor(0, 0, 0, 0, 0, 0)));
    }
}
