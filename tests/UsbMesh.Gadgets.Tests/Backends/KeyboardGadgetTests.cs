using UsbMesh.Gadgets.Backends;
using UsbMesh.Gadgets.Hid;
using UsbMesh.Usb;
using static UsbMesh.Gadgets.Tests.Backends.HostSide;

namespace UsbMesh.Gadgets.Tests.Backends;

public sealed class KeyboardGadgetTests
{
    private static UrbRequest InterruptIn() => UrbRequest.InterruptIn(1, 8, KeyboardGadget.PollIntervalMs);

    [Fact]
    public async Task Enumerates_as_a_full_speed_boot_keyboard_with_its_report_descriptor()
    {
        await using var keyboard = new KeyboardGadget();
        var (device, configuration, _, strings) = await Enumerate(keyboard);

        Assert.Equal(UsbSpeed.Full, keyboard.Speed);
        Assert.Equal(GadgetIdentity.KeyboardProductId, device.ProductId);
        Assert.Equal("Virtual Keyboard", strings[1]);
        var face = Assert.Single(configuration.Interfaces);
        Assert.Equal((UsbClassCodes.Hid, UsbClassCodes.HidSubClassBoot, UsbClassCodes.HidProtocolKeyboard),
            (face.InterfaceClass, face.InterfaceSubClass, face.InterfaceProtocol));
        Assert.Equal(63, face.Hid!.ReportDescriptorLength);
        var endpoint = Assert.Single(face.Endpoints);
        Assert.Equal(((byte)0x81, TransferType.Interrupt, 8, (byte)10), (endpoint.Address, endpoint.TransferType, endpoint.MaxPacketBytes, endpoint.Interval));

        var report = await GetDescriptor(keyboard, DescriptorTypes.HidReport, 0, 0x41 + 64, recipient: RequestRecipient.Interface);
        Assert.Equal(HidReportDescriptors.BootKeyboard.ToArray(), report);
        Assert.Equal(BootKeyboardDescriptors.ReportDescriptor.ToArray(), report);
        var hid = await GetDescriptor(keyboard, DescriptorTypes.Hid, 0, 9, recipient: RequestRecipient.Interface);
        Assert.Equal(face.Hid.ToBytes(), hid);

        // Device-qualifier stalls on a full-speed device.
        Assert.Equal(UrbStatus.Stall, (await Control(keyboard, SetupPacket.GetDescriptor(DescriptorTypes.DeviceQualifier, 0, 0, 10))).Status);
    }

    [Fact]
    public async Task Typing_completes_waiting_interrupt_urbs_in_order()
    {
        await using var keyboard = new KeyboardGadget();
        var first = keyboard.SubmitAsync(InterruptIn(), CancellationToken.None);
        var second = keyboard.SubmitAsync(InterruptIn(), CancellationToken.None);
        await Task.Delay(30);
        Assert.False(first.IsCompleted);

        keyboard.Type("ab");
        Assert.Equal(new BootKeyboardReport(KeyModifiers.None, 0x04).ToArray(), (await first.WaitAsync(Patience)).InData.ToArray());
        Assert.Equal(BootKeyboardReport.Released.ToArray(), (await second.WaitAsync(Patience)).InData.ToArray());
        Assert.Equal(2, keyboard.QueuedReports);

        Assert.Equal(new BootKeyboardReport(KeyModifiers.None, 0x05).ToArray(), (await Run(keyboard, InterruptIn())).InData.ToArray());
        Assert.Equal(BootKeyboardReport.Released.ToArray(), (await Run(keyboard, InterruptIn())).InData.ToArray());
        Assert.Equal(0, keyboard.QueuedReports);

        var idle = keyboard.SubmitAsync(InterruptIn(), CancellationToken.None);
        await Task.Delay(30);
        Assert.False(idle.IsCompleted);        // nothing to report: the keyboard NAKs
    }

    [Fact]
    public async Task TypeAsync_completes_when_the_host_has_read_the_reports()
    {
        await using var keyboard = new KeyboardGadget();
        var typing = keyboard.TypeAsync("A");
        Assert.False(typing.IsCompleted);
        var press = await Run(keyboard, InterruptIn());
        Assert.Equal(new BootKeyboardReport(KeyModifiers.LeftShift, 0x04).ToArray(), press.InData.ToArray());
        Assert.False(typing.IsCompleted);
        await Run(keyboard, InterruptIn());
        await typing.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_waiting_interrupt_urb_that_is_unlinked_completes_unlinked_and_the_report_goes_to_the_next()
    {
        await using var keyboard = new KeyboardGadget();
        using var unlink = new CancellationTokenSource();
        var waiting = keyboard.SubmitAsync(InterruptIn(), unlink.Token);
        await unlink.CancelAsync();
        Assert.Equal(UrbStatus.Unlinked, (await waiting.WaitAsync(Patience)).Status);

        keyboard.Type("z");
        Assert.Equal(0x1D, (await Run(keyboard, InterruptIn())).InData.Span[2]);
    }

    [Fact]
    public async Task Set_report_sets_the_leds_and_hid_requests_are_answered()
    {
        await using var keyboard = new KeyboardGadget();
        var seen = new List<KeyboardLedState>();
        keyboard.LedsChanged += (_, leds) => seen.Add(leds);

        var setReport = new SetupPacket(0x21, HidKeyboardRequests.SetReport, 0x0200, 0, 1);
        Assert.Equal(UrbStatus.Completed, (await Control(keyboard, setReport, [0x02])).Status);
        Assert.True(keyboard.Leds.CapsLock);
        Assert.Equal([new KeyboardLedState(false, true, false, false, false)], seen);

        Assert.Equal(UrbStatus.Completed, (await Control(keyboard, new SetupPacket(0x21, HidKeyboardRequests.SetIdle, 0, 0, 0))).Status);
        Assert.Equal(0, keyboard.State.IdleRate);
        Assert.Equal(UrbStatus.Completed, (await Control(keyboard, new SetupPacket(0x21, HidKeyboardRequests.SetProtocol, 0, 0, 0))).Status);
        var protocol = await Control(keyboard, new SetupPacket(0xA1, HidKeyboardRequests.GetProtocol, 0, 0, 1));
        Assert.Equal([(byte)HidProtocol.Boot], protocol.InData.ToArray());
        Assert.Equal(UrbStatus.Stall, (await Control(keyboard, new SetupPacket(0x21, HidKeyboardRequests.SetIdle, 0, 1, 0))).Status);
    }

    [Fact]
    public async Task Unplugging_fails_waiting_urbs_and_unread_typing()
    {
        var keyboard = new KeyboardGadget();
        var waiting = keyboard.SubmitAsync(InterruptIn(), CancellationToken.None);
        var typing = keyboard.Enqueue([BootKeyboardReport.Released, BootKeyboardReport.Released]);
        await keyboard.DisposeAsync();
        Assert.Equal(UrbStatus.Completed, (await waiting.WaitAsync(Patience)).Status);   // took the first report
        await Assert.ThrowsAsync<ObjectDisposedException>(() => typing.WaitAsync(Patience));
        Assert.Equal(UrbStatus.DeviceGone, (await keyboard.SubmitAsync(InterruptIn(), CancellationToken.None)).Status);
        Assert.Throws<ObjectDisposedException>(() => keyboard.Type("a"));
    }
}
