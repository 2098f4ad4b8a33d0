namespace UsbMesh.Usb.Tests;

public class MalformedDescriptorTests
{
    private static byte[] Keyboard(Action<byte[]> mutate)
    {
        var bytes = GoldenDevices.KeyboardConfiguration.ToArray();
        mutate(bytes);
        return bytes;
    }

    private static void AssertRejected(byte[] configuration, int offset, string field)
    {
        var error = Assert.Throws<UsbDescriptorException>(() => ConfigurationDescriptor.Parse(configuration));
        Assert.Equal((offset, field), (error.Offset, error.Field));
        Assert.Contains($"offset {offset}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inner_bLength_zero_is_rejected_at_its_offset() =>
        AssertRejected(Keyboard(b => b[18] = 0), 18, "bLength");

    [Fact]
    public void Inner_bLength_one_is_rejected_at_its_offset() =>
        AssertRejected(Keyboard(b => b[27] = 1), 27, "bLength");

    [Fact]
    public void Inner_bLength_beyond_the_configuration_is_rejected() =>
        AssertRejected(Keyboard(b => b[27] = 0x10), 27, "bLength");

    [Fact]
    public void WTotalLength_larger_than_the_buffer_is_rejected() =>
        AssertRejected(GoldenDevices.KeyboardConfiguration[..^1], 2, "wTotalLength");

    [Fact]
    public void WTotalLength_smaller_than_the_buffer_is_rejected() =>
        AssertRejected([.. GoldenDevices.KeyboardConfiguration, 0x00], 2, "wTotalLength");

    [Fact]
    public void WTotalLength_below_the_header_is_rejected() =>
        AssertRejected(Hex.Parse("09 02 05 00 00 01 00 80 32"), 2, "wTotalLength");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    public void Truncated_configuration_header_is_rejected(int length) =>
        AssertRejected(GoldenDevices.KeyboardConfiguration[..length], 0, "bLength");

    [Fact]
    public void Dangling_single_byte_after_last_descriptor_is_rejected()
    {
        var bytes = Keyboard(b => b[2] = 0x23);
        AssertRejected([.. bytes, 0x07], 34, "bLength");
    }

    [Fact]
    public void Endpoint_before_any_interface_is_rejected() =>
        AssertRejected(Hex.Parse("09 02 10 00 00 01 00 80 32  07 05 81 03 08 00 0A"), 10, "bDescriptorType");

    [Fact]
    public void Absurd_endpoint_count_is_rejected_before_anything_is_allocated() =>
        AssertRejected(Keyboard(b => b[13] = 200), 13, "bNumEndpoints");

    [Fact]
    public void Endpoint_count_larger_than_present_is_rejected() =>
        AssertRejected(Keyboard(b => b[13] = 2), 13, "bNumEndpoints");

    [Fact]
    public void More_endpoints_than_declared_is_rejected_at_the_extra_endpoint() =>
        AssertRejected(Keyboard(b => b[13] = 0), 27, "bNumEndpoints");

    [Fact]
    public void Interface_count_mismatch_is_rejected() =>
        AssertRejected(Keyboard(b => b[4] = 7), 4, "bNumInterfaces");

    [Fact]
    public void Absurd_hid_descriptor_count_is_rejected() =>
        AssertRejected(Keyboard(b => b[23] = 80), 23, "bNumDescriptors");

    [Fact]
    public void Short_interface_descriptor_is_rejected() =>
        AssertRejected(Hex.Parse("09 02 11 00 01 01 00 80 32  08 04 00 00 00 FF 00 00"), 9, "bLength");

    [Fact]
    public void Endpoint_zero_in_an_endpoint_descriptor_is_rejected() =>
        AssertRejected(Keyboard(b => b[29] = 0x80), 29, "bEndpointAddress");

    [Fact]
    public void Reserved_high_bandwidth_value_is_rejected() =>
        AssertRejected(Keyboard(b => b[32] = 0x18), 31, "wMaxPacketSize");

    [Fact]
    public void Nested_configuration_descriptor_is_rejected() =>
        AssertRejected(Hex.Parse("09 02 12 00 00 01 00 80 32  09 02 09 00 00 01 00 80 32"), 10, "bDescriptorType");

    [Fact]
    public void Duplicate_alternate_setting_is_rejected() =>
        AssertRejected(Hex.Parse("09 02 1B 00 01 01 00 80 32  09 04 00 00 00 FF 00 00 00  09 04 00 00 00 FF 00 00 00"), 21, "bAlternateSetting");

    [Fact]
    public void Wrong_configuration_type_is_rejected() =>
        AssertRejected(Keyboard(b => b[1] = 0x07), 1, "bDescriptorType");

    [Theory]
    [InlineData("11 01 00 02 00 00 00 08 6A 04 11 00 00 01 00 00 00 01", 0, "bLength")]
    [InlineData("12 02 00 02 00 00 00 08 6A 04 11 00 00 01 00 00 00 01", 1, "bDescriptorType")]
    [InlineData("12 01 00 02 00 00 00 07 6A 04 11 00 00 01 00 00 00 01", 7, "bMaxPacketSize0")]
    [InlineData("12 01 00 02 00 00 00 08 6A 04 11 00 00 01 00 00 00", 0, "bLength")]
    [InlineData("12 01 00 02 00 00 00 08 6A 04 11 00 00 01 00 00 00 01 00", 18, "bLength")]
    [InlineData("", 0, "bLength")]
    public void Malformed_device_descriptors_are_rejected(string hex, int offset, string field)
    {
        var error = Assert.Throws<UsbDescriptorException>(() => DeviceDescriptor.Parse(Hex.Parse(hex)));
        Assert.Equal((offset, field), (error.Offset, error.Field));
    }

    [Fact]
    public void SuperSpeed_control_packet_exponent_is_accepted()
    {
        var device = DeviceDescriptor.Parse(Hex.Parse("12 01 20 03 00 00 00 09 6A 04 11 00 00 01 00 00 00 01"));
        Assert.Equal(512, device.ControlMaxPacketBytes);
    }

    [Theory]
    [InlineData("05 03 41 00 42", 0, "bLength")]
    [InlineData("04 04 41 00", 1, "bDescriptorType")]
    [InlineData("03", 0, "bLength")]
    [InlineData("02 03 41 00", 0, "bLength")]
    public void Malformed_string_descriptors_are_rejected(string hex, int offset, string field)
    {
        var error = Assert.Throws<UsbDescriptorException>(() => StringDescriptor.Parse(Hex.Parse(hex)));
        Assert.Equal((offset, field), (error.Offset, error.Field));
    }

    [Fact]
    public void Every_truncation_of_the_golden_configurations_throws_only_descriptor_exceptions()
    {
        foreach (var golden in new[] { GoldenDevices.KeyboardConfiguration, GoldenDevices.CardReaderConfiguration, GoldenDevices.CdcAcmConfiguration })
        {
            for (var length = 0; length < golden.Length; length++)
            {
                Assert.Throws<UsbDescriptorException>(() => ConfigurationDescriptor.Parse(golden.AsSpan(0, length)));
            }
        }
    }

    [Fact]
    public void Random_corruption_never_escapes_as_another_exception()
    {
        var random = new Random(20261121);
        byte[][] goldens = [GoldenDevices.KeyboardConfiguration, GoldenDevices.CardReaderConfiguration, GoldenDevices.CdcAcmConfiguration];
        for (var round = 0; round < 50_000; round++)
        {
            var bytes = goldens[round % goldens.Length].ToArray();
            var flips = 1 + random.Next(4);
            for (var i = 0; i < flips; i++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            if (round % 7 == 0)
            {
                bytes = bytes[..random.Next(bytes.Length + 1)];
            }

            Survives(bytes);
        }

        for (var round = 0; round < 20_000; round++)
        {
            var bytes = new byte[random.Next(64)];
            random.NextBytes(bytes);
            Survives(bytes);
        }
    }

    private static void Survives(byte[] bytes)
    {
        try
        {
            var config = ConfigurationDescriptor.Parse(bytes);
            Assert.Equal(bytes, config.ToBytes());
        }
        catch (UsbDescriptorException)
        {
        }

        foreach (var parse in new Action[]
        {
            () => DeviceDescriptor.Parse(bytes),
            () => StringDescriptor.Parse(bytes),
            () => StringDescriptor.ParseLanguageIds(bytes),
            () => HidDescriptor.Parse(bytes),
            () => EndpointDescriptor.Parse(bytes),
            () => ClassSpecificDescriptor.Parse(bytes),
        })
        {
            try
            {
                parse();
            }
            catch (UsbDescriptorException)
            {
            }
        }
    }
}
