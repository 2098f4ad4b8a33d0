using UsbMesh.Gadgets.Hid;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Tests.Hid;

public class HidKeyboardRequestsTests
{
    [Fact]
    public void Set_idle_then_get_idle_returns_the_rate()
    {
        var (set, state) = HidKeyboardRequests.Handle(HidKeyboardState.Initial, new SetupPacket(0x21, 0x0A, 0x0000, 0, 0));
        var (get, _) = HidKeyboardRequests.Handle(state, new SetupPacket(0xA1, 0x02, 0, 0, 1));

        Assert.Equal(GadgetControlOutcome.Ack, set.Outcome);
        Assert.Equal(0, state.IdleRate);
        Assert.Null(state.IdleDuration);
        Assert.Equal(new byte[] { 0x00 }, get.Data.ToArray());
    }

    [Fact]
    public void Initial_idle_is_500_ms_and_protocol_is_report()
    {
        var (idle, _) = HidKeyboardRequests.Handle(HidKeyboardState.Initial, new SetupPacket(0xA1, 0x02, 0, 0, 1));
        var (protocol, _) = HidKeyboardRequests.Handle(HidKeyboardState.Initial, new SetupPacket(0xA1, 0x03, 0, 0, 1));

        Assert.Equal(new byte[] { 125 }, idle.Data.ToArray());
        Assert.Equal(TimeSpan.FromMilliseconds(500), HidKeyboardState.Initial.IdleDuration);
        Assert.Equal(new byte[] { 0x01 }, protocol.Data.ToArray());
    }

    [Fact]
    public void Set_protocol_boot_then_get_protocol_returns_zero()
    {
        var (_, state) = HidKeyboardRequests.Handle(HidKeyboardState.Initial, new SetupPacket(0x21, 0x0B, 0, 0, 0));
        var (get, _) = HidKeyboardRequests.Handle(state, new SetupPacket(0xA1, 0x03, 0, 0, 1));

        Assert.Equal(HidProtocol.Boot, state.Protocol);
        Assert.Equal(new byte[] { 0x00 }, get.Data.ToArray());
    }

    [Fact]
    public void Get_report_input_returns_the_current_8_byte_report()
    {
        var state = HidKeyboardState.Initial with { Input = new BootKeyboardReport(KeyModifiers.LeftShift, 0x04) };

        var (response, _) = HidKeyboardRequests.Handle(state, new SetupPacket(0xA1, 0x01, 0x0100, 0, 8));

        Assert.Equal(Convert.FromHexString("0200040000000000"), response.Data.ToArray());
    }

    [Fact]
    public void Set_report_output_sets_the_leds_and_get_report_output_reads_them()
    {
        var (set, state) = HidKeyboardRequests.Handle(
            HidKeyboardState.Initial, new SetupPacket(0x21, 0x09, 0x0200, 0, 1), [0x02]);
        var (get, _) = HidKeyboardRequests.Handle(state, new SetupPacket(0xA1, 0x01, 0x0200, 0, 1));

        Assert.Equal(GadgetControlOutcome.Ack, set.Outcome);
        Assert.True(state.Leds.CapsLock);
        Assert.Equal(new byte[] { 0x02 }, get.Data.ToArray());
    }

    [Theory]
    [InlineData(0x21, 0x0B, 0x0002, 0)]   // SET_PROTOCOL 2
    [InlineData(0x21, 0x0A, 0x0001, 0)]   // SET_IDLE with a report ID
    [InlineData(0xA1, 0x01, 0x0300, 8)]   // GET_REPORT feature
    [InlineData(0xA1, 0x01, 0x0101, 8)]   // GET_REPORT with a report ID
    [InlineData(0x21, 0x09, 0x0200, 0)]   // SET_REPORT without data
    [InlineData(0xA1, 0x06, 0x2200, 63)]  // standard-type request is not a class request
    [InlineData(0x21, 0x05, 0x0000, 0)]   // unknown request
    public void Unsupported_or_malformed_requests_stall_and_keep_the_state(byte type, byte request, ushort value, ushort length)
    {
        var (response, state) = HidKeyboardRequests.Handle(
            HidKeyboardState.Initial, new SetupPacket(type, request, value, 0, length));

        Assert.Equal(GadgetControlOutcome.Stall, response.Outcome);
        Assert.Same(HidKeyboardState.Initial, state);
    }

    [Fact]
    public void In_answers_are_cut_to_w_length()
    {
        var (response, _) = HidKeyboardRequests.Handle(HidKeyboardState.Initial, new SetupPacket(0xA1, 0x01, 0x0100, 0, 3));

        Assert.Equal(3, response.Data.Length);
    }
}
