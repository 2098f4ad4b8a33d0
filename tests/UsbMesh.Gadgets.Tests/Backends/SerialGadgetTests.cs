using System.Text;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Gadgets.Cdc;
using UsbMesh.Usb;
using static UsbMesh.Gadgets.Tests.Backends.HostSide;

namespace UsbMesh.Gadgets.Tests.Backends;

public sealed class SerialGadgetTests
{
    [Fact]
    public async Task Enumerates_as_a_cdc_acm_function_behind_an_interface_association()
    {
        await using var serial = new SerialGadget();
        var (device, configuration, bytes, _) = await Enumerate(serial);

        Assert.Equal((UsbClassCodes.Miscellaneous, (byte)0x02, (byte)0x01), (device.DeviceClass, device.DeviceSubClass, device.DeviceProtocol));
        // The IAD comes first after the configuration header: first interface 0, two interfaces, class 2/2/1.
        Assert.Equal(new byte[] { 8, DescriptorTypes.InterfaceAssociation, 0, 2, 2, 2, 1, 0 }, bytes[9..17]);
        Assert.Equal(2, configuration.NumInterfaces);
        var communication = configuration.FindInterface(0)!;
        Assert.Equal((UsbClassCodes.Communications, UsbClassCodes.CdcSubClassAcm, UsbClassCodes.CdcProtocolAtCommands),
            (communication.InterfaceClass, communication.InterfaceSubClass, communication.InterfaceProtocol));
        Assert.Equal(4, communication.ClassSpecific.Count);
        Assert.Equal(TransferType.Interrupt, Assert.Single(communication.Endpoints).TransferType);
        var data = configuration.FindInterface(1)!;
        Assert.Equal(UsbClassCodes.CdcData, data.InterfaceClass);
        Assert.All(data.Endpoints, e => Assert.Equal(TransferType.Bulk, e.TransferType));
    }

    [Fact]
    public async Task Echo_mode_returns_what_the_host_writes()
    {
        await using var serial = new SerialGadget(SerialMode.Echo);
        var read = serial.SubmitAsync(UrbRequest.BulkIn(1, 64), CancellationToken.None);
        await Task.Delay(30);
        Assert.False(read.IsCompleted);

        Assert.Equal(UrbStatus.Completed, (await Run(serial, UrbRequest.BulkOut(1, "hello"u8.ToArray()))).Status);
        Assert.Equal("hello", Encoding.ASCII.GetString((await read.WaitAsync(Patience)).InData.Span));

        await Run(serial, UrbRequest.BulkOut(1, "abc"u8.ToArray()));
        await Run(serial, UrbRequest.BulkOut(1, "defg"u8.ToArray()));
        Assert.Equal("abcde", Encoding.ASCII.GetString((await Run(serial, UrbRequest.BulkIn(1, 5))).InData.Span));
        Assert.Equal("fg", Encoding.ASCII.GetString((await Run(serial, UrbRequest.BulkIn(1, 64))).InData.Span));
        Assert.Equal(0, serial.PendingToHost);
    }

    [Fact]
    public async Task Channel_mode_hands_host_writes_to_the_application_and_sends_its_answer()
    {
        await using var serial = new SerialGadget(SerialMode.Channel);
        await Run(serial, UrbRequest.BulkOut(1, "ping"u8.ToArray()));
        Assert.Equal("ping", Encoding.ASCII.GetString(await serial.FromHost.ReadAsync().AsTask().WaitAsync(Patience)));

        serial.Send("pong"u8);
        Assert.Equal("pong", Encoding.ASCII.GetString((await Run(serial, UrbRequest.BulkIn(1, 64))).InData.Span));
    }

    [Fact]
    public async Task Line_coding_and_control_lines_go_through_the_acm_requests()
    {
        await using var serial = new SerialGadget();
        var changes = new List<CdcAcmState>();
        serial.LineStateChanged += (_, state) => changes.Add(state);

        var coding = new CdcLineCoding(115200, CdcStopBits.One, CdcParity.None, 8);
        Assert.Equal(UrbStatus.Completed, (await Control(serial, new SetupPacket(0x21, CdcAcmRequests.SetLineCoding, 0, 0, 7), coding.ToArray())).Status);
        Assert.Equal(UrbStatus.Completed, (await Control(serial, new SetupPacket(0x21, CdcAcmRequests.SetControlLineState, 0x03, 0, 0))).Status);
        var read = await Control(serial, new SetupPacket(0xA1, CdcAcmRequests.GetLineCoding, 0, 0, 7));
        Assert.Equal(coding.ToArray(), read.InData.ToArray());
        Assert.Equal(new CdcAcmState(coding, true, true, 0), serial.LineState);
        Assert.Equal(2, changes.Count);

        // Class requests to the data interface stall.
        Assert.Equal(UrbStatus.Stall, (await Control(serial, new SetupPacket(0xA1, CdcAcmRequests.GetLineCoding, 0, 1, 7))).Status);
    }

    [Fact]
    public async Task Serial_state_notifications_complete_the_interrupt_urb()
    {
        await using var serial = new SerialGadget();
        var waiting = serial.SubmitAsync(UrbRequest.InterruptIn(2, 16, 32), CancellationToken.None);
        serial.NotifySerialState(CdcSerialState.RxCarrier | CdcSerialState.TxCarrier);
        var notification = (await waiting.WaitAsync(Patience)).InData.ToArray();
        Assert.Equal(new byte[] { 0xA1, 0x20, 0, 0, 0, 0, 2, 0, 0x03, 0 }, notification);
    }

    [Fact]
    public async Task Echo_applies_back_pressure_when_the_host_does_not_read()
    {
        await using var serial = new SerialGadget();
        var chunk = new byte[SerialGadget.EchoBufferLimit];
        await Run(serial, UrbRequest.BulkOut(1, chunk));
        var blocked = serial.SubmitAsync(UrbRequest.BulkOut(1, new byte[] { 1 }), CancellationToken.None);
        await Task.Delay(30);
        Assert.False(blocked.IsCompleted);

        await Run(serial, UrbRequest.BulkIn(1, 4096));
        Assert.Equal(UrbStatus.Completed, (await blocked.WaitAsync(Patience)).Status);
    }

    [Fact]
    public async Task Channel_mode_makes_host_writes_wait_while_the_application_does_not_read()
    {
        await using var serial = new SerialGadget(SerialMode.Channel);
        await Run(serial, UrbRequest.BulkOut(1, new byte[SerialGadget.BufferLimit]));
        Assert.Equal(SerialGadget.BufferLimit, serial.PendingFromHost);
        var blocked = serial.SubmitAsync(UrbRequest.BulkOut(1, new byte[] { 1 }), CancellationToken.None);
        await Task.Delay(30);
        Assert.False(blocked.IsCompleted);

        Assert.Equal(SerialGadget.BufferLimit, (await serial.FromHost.ReadAsync().AsTask().WaitAsync(Patience)).Length);
        Assert.Equal(UrbStatus.Completed, (await blocked.WaitAsync(Patience)).Status);
        Assert.True(serial.FromHost.TryRead(out var last));
        Assert.Equal(new byte[] { 1 }, last);
        Assert.Equal(0, serial.PendingFromHost);
    }

    [Fact]
    public async Task SendAsync_waits_while_the_host_does_not_read()
    {
        await using var serial = new SerialGadget(SerialMode.Channel);
        await serial.SendAsync(new byte[SerialGadget.BufferLimit]);
        var waiting = serial.SendAsync("x"u8.ToArray()).AsTask();
        await Task.Delay(30);
        Assert.False(waiting.IsCompleted);

        Assert.Equal(4096, (await Run(serial, UrbRequest.BulkIn(1, 4096))).ActualLength);
        await waiting.WaitAsync(Patience);
        Assert.Equal(SerialGadget.BufferLimit - 4096 + 1, serial.PendingToHost);
    }

    [Fact]
    public async Task SendAsync_fails_once_the_gadget_is_unplugged()
    {
        var serial = new SerialGadget(SerialMode.Channel);
        await serial.SendAsync(new byte[SerialGadget.BufferLimit]);
        var waiting = serial.SendAsync("x"u8.ToArray()).AsTask();
        await serial.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(Patience));
    }
}
