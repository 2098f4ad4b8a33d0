namespace UsbMesh.Usb.Tests;

public class SetupPacketTests
{
    [Fact]
    public void Get_device_descriptor_from_an_enumeration_trace_decomposes()
    {
        // The first request of every enumeration: GET_DESCRIPTOR(DEVICE), wLength 64 ("80 06 00 01 00 00 40 00").
        var setup = SetupPacket.Parse(Hex.Parse("80 06 00 01 00 00 40 00"));

        Assert.Equal(UsbDirection.In, setup.Direction);
        Assert.Equal(RequestType.Standard, setup.Type);
        Assert.Equal(RequestRecipient.Device, setup.Recipient);
        Assert.Equal(StandardRequest.GetDescriptor, setup.Standard);
        Assert.Equal(64, setup.Length);
        Assert.True(setup.IsGetDescriptor(out var type, out var index, out var language));
        Assert.Equal((DescriptorTypes.Device, (byte)0, (ushort)0), (type, index, language));
        Assert.Equal(setup, SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 64));
    }

    [Fact]
    public void Get_string_descriptor_carries_index_and_language()
    {
        var setup = SetupPacket.GetDescriptor(DescriptorTypes.String, 2, 0x0409, 255);
        Assert.Equal(Hex.Parse("80 06 02 03 09 04 FF 00"), setup.ToBytes());
        Assert.True(setup.IsGetDescriptor(out var type, out var index, out var language));
        Assert.Equal((DescriptorTypes.String, (byte)2, (ushort)0x0409), (type, index, language));
    }

    [Fact]
    public void Hid_report_descriptor_request_goes_to_the_interface()
    {
        var setup = SetupPacket.Parse(Hex.Parse("81 06 00 22 00 00 3F 00"));
        Assert.Equal(RequestRecipient.Interface, setup.Recipient);
        Assert.True(setup.IsGetDescriptor(out var type, out _, out var interfaceNumber));
        Assert.Equal((DescriptorTypes.HidReport, (ushort)0), (type, interfaceNumber));
        Assert.Equal(setup, SetupPacket.GetDescriptor(DescriptorTypes.HidReport, 0, 0, 63, RequestRecipient.Interface));
    }

    [Fact]
    public void Set_configuration_is_recognised_and_built()
    {
        var setup = SetupPacket.Parse(Hex.Parse("00 09 01 00 00 00 00 00"));
        Assert.True(setup.IsSetConfiguration(out var value));
        Assert.Equal(1, value);
        Assert.Equal(setup, SetupPacket.SetConfiguration(1));
        Assert.False(setup.IsSetInterface(out _, out _));
        Assert.False(setup.IsClearEndpointHalt(out _));
        Assert.False(setup.IsGetDescriptor(out _, out _, out _));
    }

    [Fact]
    public void Set_interface_is_recognised_and_built()
    {
        var setup = SetupPacket.Parse(Hex.Parse("01 0B 01 00 02 00 00 00"));
        Assert.True(setup.IsSetInterface(out var interfaceNumber, out var alternate));
        Assert.Equal((2, 1), (interfaceNumber, alternate));
        Assert.Equal(setup.ToBytes(), SetupPacket.SetInterface(2, 1).ToBytes());
    }

    [Fact]
    public void Clear_endpoint_halt_is_recognised_but_clear_remote_wakeup_is_not()
    {
        var halt = SetupPacket.Parse(Hex.Parse("02 01 00 00 81 00 00 00"));
        Assert.True(halt.IsClearEndpointHalt(out var endpoint));
        Assert.Equal(0x81, endpoint);
        Assert.Equal(halt, SetupPacket.ClearEndpointHalt(0x81));

        var wakeup = SetupPacket.Parse(Hex.Parse("00 01 01 00 00 00 00 00"));
        Assert.False(wakeup.IsClearEndpointHalt(out _));
    }

    [Fact]
    public void Class_requests_are_not_mistaken_for_standard_ones()
    {
        // CDC SET_LINE_CODING: class, host-to-device, interface 0, 7 bytes; bRequest 0x20.
        var lineCoding = SetupPacket.Parse(Hex.Parse("21 20 00 00 00 00 07 00"));
        Assert.Equal(RequestType.Class, lineCoding.Type);
        Assert.Null(lineCoding.Standard);
        // HID SET_IDLE (0x0A) shares its number with GET_INTERFACE.
        var setIdle = SetupPacket.Parse(Hex.Parse("21 0A 00 00 00 00 00 00"));
        Assert.Null(setIdle.Standard);
        Assert.False(SetupPacket.Parse(Hex.Parse("21 09 01 00 00 00 00 00")).IsSetConfiguration(out _));
        Assert.Equal(0x21, SetupPacket.ComposeRequestType(UsbDirection.Out, RequestType.Class, RequestRecipient.Interface));
        Assert.Equal(0xC0, SetupPacket.ComposeRequestType(UsbDirection.In, RequestType.Vendor, RequestRecipient.Device));
    }

    [Fact]
    public void Round_trip_is_byte_exact_and_little_endian()
    {
        var bytes = Hex.Parse("C1 FE 34 12 78 56 BC 9A");
        var setup = SetupPacket.Parse(bytes);
        Assert.Equal((0x1234, 0x5678, 0x9ABC), (setup.Value, setup.Index, setup.Length));
        Assert.Equal(bytes, setup.ToBytes());
        Assert.Contains("wValue=0x1234", setup.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Short_input_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => SetupPacket.Parse(new byte[7]));
        Assert.Throws<ArgumentException>(() => SetupPacket.SetConfiguration(1).WriteTo(new byte[7]));
    }
}
