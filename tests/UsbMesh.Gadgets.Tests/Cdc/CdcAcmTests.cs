using UsbMesh.Gadgets.Cdc;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Tests.Cdc;

public class CdcAcmTests
{
    private static readonly byte[] Coding115200 = Convert.FromHexString(
        "00C20100" +   // dwDTERate 115200 little-endian
        "00" +         // bCharFormat: 1 stop bit
        "00" +         // bParityType: none
        "08");         // bDataBits: 8

    [Fact]
    public void Line_coding_round_trips_through_its_7_bytes()
    {
        Assert.True(CdcLineCoding.TryParse(Coding115200, out var coding));

        Assert.Equal(new CdcLineCoding(115200, CdcStopBits.One, CdcParity.None, 8), coding);
        Assert.Equal(Coding115200, coding.ToArray());
        var odd = new CdcLineCoding(300, CdcStopBits.Two, CdcParity.Odd, 7);
        Assert.True(CdcLineCoding.TryParse(odd.ToArray(), out var back));
        Assert.Equal(odd, back);
        Assert.Equal(Convert.FromHexString("2C01000002" + "0107"), odd.ToArray());
    }

    [Theory]
    [InlineData("00C201000000")]      // short
    [InlineData("00C20100030008")]    // bCharFormat 3
    [InlineData("00C20100000508")]    // parity 5
    [InlineData("00C20100000009")]    // 9 data bits
    public void Undefined_line_codings_are_refused(string hex)
    {
        Assert.False(CdcLineCoding.TryParse(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void Set_line_coding_then_get_line_coding_returns_it()
    {
        var (set, state) = CdcAcmRequests.Handle(CdcAcmState.Initial, new SetupPacket(0x21, 0x20, 0, 0, 7), Coding115200);
        var (get, _) = CdcAcmRequests.Handle(state, new SetupPacket(0xA1, 0x21, 0, 0, 7));

        Assert.Equal(GadgetControlOutcome.Ack, set.Outcome);
        Assert.Equal(115200u, state.LineCoding.BaudRate);
        Assert.Equal(Coding115200, get.Data.ToArray());
    }

    [Fact]
    public void Initial_line_coding_is_9600_8n1()
    {
        var (get, _) = CdcAcmRequests.Handle(CdcAcmState.Initial, new SetupPacket(0xA1, 0x21, 0, 0, 7));

        Assert.Equal(Convert.FromHexString("80250000000008"), get.Data.ToArray());
    }

    [Fact]
    public void Invalid_set_line_coding_stalls_and_keeps_the_coding()
    {
        var (response, state) = CdcAcmRequests.Handle(
            CdcAcmState.Initial, new SetupPacket(0x21, 0x20, 0, 0, 7), Convert.FromHexString("00C20100000009"));

        Assert.Equal(GadgetControlOutcome.Stall, response.Outcome);
        Assert.Equal(CdcLineCoding.Default, state.LineCoding);
    }

    [Theory]
    [InlineData(0x0000, false, false)]
    [InlineData(0x0001, true, false)]
    [InlineData(0x0002, false, true)]
    [InlineData(0x0003, true, true)]
    public void Set_control_line_state_sets_dtr_and_rts(ushort value, bool dtr, bool rts)
    {
        var (response, state) = CdcAcmRequests.Handle(CdcAcmState.Initial, new SetupPacket(0x21, 0x22, value, 0, 0));

        Assert.Equal(GadgetControlOutcome.Ack, response.Outcome);
        Assert.Equal((dtr, rts), (state.Dtr, state.Rts));
    }

    [Fact]
    public void Send_break_records_its_duration()
    {
        var (_, on) = CdcAcmRequests.Handle(CdcAcmState.Initial, new SetupPacket(0x21, 0x23, 0xFFFF, 0, 0));
        var (_, off) = CdcAcmRequests.Handle(on, new SetupPacket(0x21, 0x23, 0, 0, 0));

        Assert.Equal(0xFFFF, on.BreakMilliseconds);
        Assert.Equal(0, off.BreakMilliseconds);
    }

    [Theory]
    [InlineData(0x21, 0x22, 0x0004, 0)]   // unknown control line bit
    [InlineData(0x21, 0x20, 0x0000, 6)]   // SET_LINE_CODING with the wrong length
    [InlineData(0x21, 0x02, 0x0000, 0)]   // SET_COMM_FEATURE: not supported
    [InlineData(0x01, 0x22, 0x0001, 0)]   // standard request type
    public void Unsupported_or_malformed_requests_stall(byte type, byte request, ushort value, ushort length)
    {
        var (response, state) = CdcAcmRequests.Handle(CdcAcmState.Initial, new SetupPacket(type, request, value, 0, length));

        Assert.Equal(GadgetControlOutcome.Stall, response.Outcome);
        Assert.Same(CdcAcmState.Initial, state);
    }

    [Fact]
    public void Serial_state_notification_is_10_bytes()
    {
        var bytes = new byte[CdcAcmRequests.SerialStateLength];

        CdcAcmRequests.WriteSerialState(bytes, 2, CdcSerialState.RxCarrier | CdcSerialState.TxCarrier | CdcSerialState.OverRun);

        Assert.Equal(
            Convert.FromHexString(
                "A1" +     // bmRequestType: class, interface, device to host
                "20" +     // bNotification SERIAL_STATE
                "0000" +   // wValue 0
                "0200" +   // wIndex: interface 2
                "0200" +   // wLength 2
                "4300"),   // DCD | DSR | overrun
            bytes);
    }
}
