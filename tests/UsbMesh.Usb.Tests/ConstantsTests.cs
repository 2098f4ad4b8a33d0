namespace UsbMesh.Usb.Tests;

public class ConstantsTests
{
    [Theory]
    [InlineData(UsbSpeed.Unknown, 0u)]
    [InlineData(UsbSpeed.Low, 1u)]
    [InlineData(UsbSpeed.Full, 2u)]
    [InlineData(UsbSpeed.High, 3u)]
    [InlineData(UsbSpeed.Wireless, 4u)]
    [InlineData(UsbSpeed.Super, 5u)]
    [InlineData(UsbSpeed.SuperPlus, 6u)]
    public void Speeds_use_the_linux_and_usbip_numbers(UsbSpeed speed, uint value)
    {
        Assert.Equal(value, (uint)speed);
        Assert.Equal(speed, UsbSpeeds.FromLinux(value));
    }

    [Fact]
    public void Unknown_speed_numbers_read_as_unknown()
    {
        Assert.Equal(UsbSpeed.Unknown, UsbSpeeds.FromLinux(7));
        Assert.Equal("high (480 Mbit/s)", UsbSpeed.High.DisplayName());
        Assert.Equal(8, UsbSpeed.Super.MaxPowerUnitMilliamps());
        Assert.Equal(2, UsbSpeed.High.MaxPowerUnitMilliamps());
    }

    [Theory]
    [InlineData(0x01, "Audio")]
    [InlineData(0x02, "Communications")]
    [InlineData(0x03, "Human Interface Device")]
    [InlineData(0x08, "Mass Storage")]
    [InlineData(0x09, "Hub")]
    [InlineData(0x0A, "CDC Data")]
    [InlineData(0xFF, "Vendor Specific Class")]
    [InlineData(0x42, "Unknown class 0x42")]
    public void Class_codes_have_display_names(byte code, string name) =>
        Assert.Equal(name, UsbClassCodes.GetName(code));

    [Fact]
    public void Class_code_values_match_the_usb_if_list()
    {
        Assert.Equal((0x01, 0x02, 0x03, 0x08, 0x09, 0x0A, 0xFF),
            (UsbClassCodes.Audio, UsbClassCodes.Communications, UsbClassCodes.Hid, UsbClassCodes.MassStorage, UsbClassCodes.Hub, UsbClassCodes.CdcData, UsbClassCodes.VendorSpecific));
        Assert.Equal((0x06, 0x50), (UsbClassCodes.MassStorageSubClassScsi, UsbClassCodes.MassStorageProtocolBulkOnly));
    }

    [Fact]
    public void Descriptor_types_have_names()
    {
        Assert.Equal("HID", DescriptorTypes.GetName(0x21));
        Assert.Equal("class-specific interface", DescriptorTypes.GetName(0x24));
        Assert.Equal("0x99", DescriptorTypes.GetName(0x99));
    }
}
