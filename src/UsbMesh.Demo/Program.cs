using Serilog;
using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Demo;

// A small actor demo on an embedded script, no hardware needed: a USB host actor on a pinned thread sees devices
// arrive and leave, supervises their actors, and reports what it has; then the node shuts down in phases.
Log.Logger = new LoggerConfiguration()
    .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {ActorPath} {Message:lj}{NewLine}")
    .CreateLogger();

var settings = ActorSystemSettings.Default
    .WithDispatcher("usb-host-dispatcher", new DispatcherSettings(DispatcherSettings.PinnedType));
using var system = ActorSystem.Create("usbmesh-demo", settings);

var keyboard = new DeviceInfo("1-1", "046d:c31c", "USB keyboard");
var stick = new DeviceInfo("1-2", "0781:5567", "Cruzer Blade stick");
var serial = new DeviceInfo("1-3", "0403:6001", "FT232R serial adapter");
HotplugEvent[] script =
[
    new(AtPoll: 1, Arrived: true, keyboard),
    new(AtPoll: 2, Arrived: true, stick),
    new(AtPoll: 3, Arrived: true, serial, StallOnTransfer: 5),
    new(AtPoll: 40, Arrived: false, keyboard),
];

var host = system.ActorOf(Props.Create(() => new SimulatedUsbHost(script)).WithDispatcher("usb-host-dispatcher"), "usb-host");
await Task.Delay(TimeSpan.FromSeconds(1.5));

var status = await host.Ask<HostProtocol.Status>(new HostProtocol.GetStatus(), TimeSpan.FromSeconds(5));
Console.WriteLine();
Console.WriteLine($"usb-host event loop thread: {status.EventLoopThread}, {status.Polls} polls");
Console.WriteLine($"{"BUSID",-6} {"VID:PID",-10} {"DEVICE",-24} {"TRANSFERS",10} {"BYTES",10}");
foreach (var d in status.Devices.OrderBy(d => d.Device.BusId))
{
    Console.WriteLine($"{d.Device.BusId,-6} {d.Device.VidPid,-10} {d.Device.Name,-24} {d.Transfers,10} {d.Bytes,10}");
}

Console.WriteLine();
await system.Terminate();
Console.WriteLine("usbmesh-demo terminated cleanly");
await Log.CloseAndFlushAsync();
