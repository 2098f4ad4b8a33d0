using UsbMesh.LibUsb;

namespace UsbMesh.UsbHost.Tests;

/// <summary>The host actor on a machine without USB devices: its loop runs on its own thread and stops cleanly.</summary>
public sealed class UsbHostActorSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    [Fact]
    public void Queries_are_answered_between_turns_of_the_event_loop()
    {
        var settings = new UsbHostSettings { Dispatcher = "pinned-dispatcher", PollInterval = TimeSpan.FromMilliseconds(200) };
        var host = Sys.ActorOf(UsbHostActor.Props(settings, TestActor), "usb-host");

        // Ten queries, each answered between two turns of the loop (at most one poll interval late).
        for (var i = 0; i < 10; i++)
        {
            host.Tell(UsbHost.GetDevices.Instance, TestActor);
            var devices = ExpectMsg<UsbHost.Devices>(TimeSpan.FromSeconds(5));
            Assert.StartsWith("running (libusb " + LibUsbContext.Version, devices.Status, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Stopping_interrupts_the_loop_and_closes_the_context()
    {
        var settings = new UsbHostSettings { Dispatcher = "pinned-dispatcher", PollInterval = TimeSpan.FromSeconds(1) };
        var host = Sys.ActorOf(UsbHostActor.Props(settings, TestActor), "usb-host");
        host.Tell(UsbHost.GetDevices.Instance, TestActor);
        ExpectMsg<UsbHost.Devices>(TimeSpan.FromSeconds(5));
        Watch(host);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        Sys.Stop(host);

        ExpectTerminated(host, TimeSpan.FromSeconds(5));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {stopping.Elapsed}");
    }
}
