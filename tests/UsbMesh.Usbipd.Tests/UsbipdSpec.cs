using System.Net;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

/// <summary>An exports registry with loopback devices and a listener on a free port of 127.0.0.1.</summary>
public abstract class UsbipdSpec : TestKit.TestKit
{
    protected UsbipdSpec(ITestOutputHelper output, Func<UsbipdSettings, UsbipdSettings>? configure = null)
        : base(output)
    {
        var settings = new UsbipdSettings
        {
            Enabled = true,
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            OpIdleTimeout = TimeSpan.FromMilliseconds(500),
            Limits = UsbIpLimits.Default with { MaxTransferBufferLength = 1024 * 1024 },
        };
        Settings = configure?.Invoke(settings) ?? settings;
        Exports = Sys.ActorOf(ExportsActor.Props(), "exports");
        Listener = Sys.ActorOf(UsbipdListener.Props(Exports, Settings), "usbipd");
        Listener.Tell(Usbipd.GetBinding.Instance, TestActor);
        Endpoint = ExpectMsg<Usbipd.Bound>().Endpoint!;
    }

    protected UsbipdSettings Settings { get; }

    protected IActorRef Exports { get; }

    protected IActorRef Listener { get; }

    protected IPEndPoint Endpoint { get; }

    protected Dictionary<string, LoopbackDevice> Backends { get; } = [];

    protected Dictionary<string, IActorRef> DeviceActors { get; } = [];

    /// <summary>Creates a loopback device actor and exports it.</summary>
    protected LoopbackDevice Export(string busId, int busNum, int devNum, UsbSpeed speed = UsbSpeed.High)
    {
        var backend = new LoopbackDevice(speed);
        var device = Sys.ActorOf(UsbDeviceActor.Props(backend), $"dev-{busId}");
        Exports.Tell(new Exports.Register(new ExportedDevice(busId, $"/sys/devices/platform/usbmesh/{busId}", busNum, devNum, device)), TestActor);
        ExpectMsg<Exports.Registered>();
        Backends[busId] = backend;
        DeviceActors[busId] = device;
        return backend;
    }

    internal Task<UsbIpTestClient> ConnectAsync() => UsbIpTestClient.ConnectAsync(Endpoint);

    internal async Task<UsbIpTestClient> ImportedAsync(string busId)
    {
        var client = await ConnectAsync();
        var reply = await client.ImportAsync(busId);
        Assert.Equal(UsbipdStatus.Ok, reply.Status);
        return client;
    }

    protected int ConnectionCount()
    {
        Listener.Tell(Usbipd.GetBinding.Instance, TestActor);
        return ExpectMsg<Usbipd.Bound>().Connections;
    }

    protected static SetupPacket GetDeviceDescriptor(ushort length = 18) => new(0x80, 6, 0x0100, 0, length);
}
