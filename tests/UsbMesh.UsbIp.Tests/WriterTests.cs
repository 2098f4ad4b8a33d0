namespace UsbMesh.UsbIp.Tests;

/// <summary>The writer refuses messages the other side could not frame.</summary>
public sealed class WriterTests
{
    [Theory]
    [InlineData("0123456789012345678901234567890123")]
    [InlineData("a\0b")]
    [InlineData("\u0100")]
    public void Bus_ids_must_fit_their_field(string busId) =>
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpImportRequest(busId)));

    [Fact]
    public void Out_submits_carry_exactly_their_buffer() =>
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpCmdSubmit(
            1, 1, UsbIpDirection.Out, 1, 0, 4, 0, 0, 0, default, new byte[] { 1 }, default)));

    [Fact]
    public void In_submits_carry_no_data() =>
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpCmdSubmit(
            1, 1, UsbIpDirection.In, 1, 0, 1, 0, 0, 0, default, new byte[] { 1 }, default)));

    [Fact]
    public void Reply_data_must_match_actual_length() =>
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpRetSubmit(1, 0, 2, 0, 0, 0, new byte[] { 1 }, default)));

    [Fact]
    public void Iso_descriptors_must_match_number_of_packets() =>
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpRetSubmit(1, 0, 0, 0, 2, 0, default, [new(0, 1, 0, 0)])));

    [Fact]
    public void Devlist_interfaces_must_match_bNumInterfaces()
    {
        var device = new UsbIpDevice("/p", "1-1", 1, 1, 2, 1, 2, 3, 0, 0, 0, 1, 1, 2);
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpDevListReply(0, [new UsbIpExportedDevice(device, [])])));
    }

    [Fact]
    public void A_successful_import_reply_needs_its_device() =>
        Assert.Throws<ArgumentException>(() => Wire.Write(new UsbIpImportReply(0, null)));

    [Fact]
    public void Limits_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UsbIpLimits { MaxIsoPackets = 0 });
}
