using System.Runtime.Versioning;
using Xunit.Abstractions;

namespace UsbMesh.Vhci.Tests;

/// <summary>
/// <see cref="VhciActor"/> and <see cref="VhciPortActor"/> against a fake sysfs directory; the test reads the attach
/// request and plays the kernel on the socket it names.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class VhciActorSpec : TestKit.TestKit, IDisposable
{
    private const string BusId = "100-1";
    private const uint DevId = (100u << 16) | 1;
    private readonly FakeVhciSysfs _sysfs;

    public VhciActorSpec(ITestOutputHelper output)
        : this(output, new FakeVhciSysfs())
    {
    }

    private VhciActorSpec(ITestOutputHelper output, FakeVhciSysfs sysfs)
        : base(output)
    {
        _sysfs = sysfs;
    }

    private static SetupPacket GetDeviceDescriptor => new(0x80, 6, 0x0100, 0, 18);

    [Fact]
    public async Task Attach_writes_port_sockfd_devid_and_speed_and_the_kernel_gets_the_device_descriptor_on_that_socket()
    {
        _sysfs.SetUsed(0);
        var (backend, device) = Device(UsbSpeed.High);
        var vhci = Vhci();

        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);
        var attached = ExpectMsg<Vhci.Attached>();

        Assert.Equal((BusId, 1), (attached.BusId, attached.Port));
        var request = _sysfs.ReadAttach();
        Assert.Equal((1, DevId, (uint)UsbSpeed.High), (request.Port, request.DevId, request.Speed));
        Assert.True(request.SocketFd > 2);
        var holder = (await device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance)).Holder;
        Assert.NotNull(holder);
        Assert.Equal("connection", holder.Path.Name);

        await using var kernel = new FakeKernel(request.SocketFd, request.DevId);
        var seqnum = await kernel.SubmitAsync(UsbIpDirection.In, 0, 18, GetDeviceDescriptor);
        var ret = Assert.IsType<UsbIpRetSubmit>(await kernel.ReceiveAsync());
        Assert.Equal((seqnum, 0, 18), (ret.Seqnum, ret.Status, ret.ActualLength));
        Assert.Equal(backend.Device.ToBytes(), ret.Data.ToArray());
    }

    [Theory]
    [InlineData(UsbSpeed.Full, 0, UsbSpeed.Full)]
    [InlineData(UsbSpeed.Super, 8, UsbSpeed.Super)]
    [InlineData(UsbSpeed.SuperPlus, 8, UsbSpeed.Super)]
    public void A_device_goes_to_a_port_of_the_hub_for_its_speed(UsbSpeed speed, int port, UsbSpeed written)
    {
        var (_, device) = Device(speed);
        var vhci = Vhci();

        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);

        Assert.Equal(port, ExpectMsg<Vhci.Attached>().Port);
        Assert.Equal((port, (uint)written), (_sysfs.ReadAttach().Port, _sysfs.ReadAttach().Speed));
    }

    [Fact]
    public void Two_attaches_get_two_ports_although_the_status_does_not_show_the_first_yet()
    {
        var (_, first) = Device(UsbSpeed.High);
        var (_, second) = Device(UsbSpeed.High);
        var vhci = Vhci();

        vhci.Tell(new Vhci.Attach(first, "100-1"), TestActor);
        vhci.Tell(new Vhci.Attach(second, "100-2"), TestActor);

        var ports = new[] { ExpectMsg<Vhci.Attached>(), ExpectMsg<Vhci.Attached>() }.ToDictionary(a => a.BusId, a => a.Port);
        Assert.Equal(0, ports["100-1"]);
        Assert.Equal(1, ports["100-2"]);
    }

    [Fact]
    public async Task Detach_writes_the_port_closes_the_kernel_socket_and_gives_the_lease_back()
    {
        var (vhci, device, port) = AttachHighSpeed();
        var request = _sysfs.ReadAttach();
        await using var kernel = new FakeKernel(request.SocketFd, request.DevId);
        Assert.Equal("usbmesh local 100-1\n", File.ReadAllText(_sysfs.RecordPath(port)));

        vhci.Tell(new Vhci.Detach(port), TestActor);

        var detached = ExpectMsg<Vhci.Detached>();
        Assert.Equal((BusId, port, "detached on request"), (detached.BusId, detached.Port, detached.Reason));
        Assert.Equal(port.ToString(), _sysfs.ReadDetach());
        Assert.True(await kernel.WaitClosedAsync(), "the kernel's side of the socket stayed open");
        Assert.False(File.Exists(_sysfs.RecordPath(port)), "the usbip record of the port is still there");
        await AwaitAssertAsync(async () => Assert.Null((await device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance)).Holder));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_detach_of_a_port_this_node_did_not_attach_fails()
    {
        var vhci = Vhci();

        vhci.Tell(new Vhci.Detach(5), TestActor);

        Assert.Contains("not attached by this node", ExpectMsg<Vhci.DetachFailed>().Reason);
        Assert.Equal("", _sysfs.ReadDetach());
    }

    [Fact]
    public void Stopping_the_front_end_detaches_its_ports()
    {
        var (vhci, device, port) = AttachHighSpeed();

        Sys.Stop(vhci);

        Assert.Equal(port, ExpectMsg<Vhci.Detached>().Port);
        Assert.Equal(port.ToString(), _sysfs.ReadDetach());
    }

    [Fact]
    public void A_device_that_stops_is_detached()
    {
        var (vhci, device, port) = AttachHighSpeed();

        Sys.Stop(device);

        // The connection watches the device too and may end first; either way the port is detached.
        Assert.Equal(port, ExpectMsg<Vhci.Detached>().Port);
        Assert.Equal(port.ToString(), _sysfs.ReadDetach());
    }

    [Fact]
    public async Task A_kernel_that_closes_its_side_detaches_the_port_and_frees_the_device()
    {
        var (vhci, device, port) = AttachHighSpeed();
        var request = _sysfs.ReadAttach();
        await using var kernel = new FakeKernel(request.SocketFd, request.DevId);

        kernel.Shutdown();

        Assert.Contains("connection with the kernel ended", ExpectMsg<Vhci.Detached>().Reason);
        Assert.Equal(port.ToString(), _sysfs.ReadDetach());
        await AwaitAssertAsync(async () => Assert.Null((await device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance)).Holder));
    }

    [Fact]
    public async Task Without_the_module_the_attach_fails_and_says_to_load_it()
    {
        using var missing = new FakeVhciSysfs(loaded: false);
        var (_, device) = Device(UsbSpeed.High);
        var vhci = Sys.ActorOf(VhciActor.Props(new VhciSettings { SysfsRoot = missing.Root, StateDirectory = missing.StateDirectory }));

        await EventFilter.Warning(contains: "modprobe vhci-hcd").ExpectOneAsync(async () =>
        {
            vhci.Tell(new Vhci.Attach(device, BusId), TestActor);
            var failed = await ExpectMsgAsync<Vhci.AttachFailed>();
            Assert.Equal(BusId, failed.BusId);
            Assert.Contains("not loaded", failed.Reason);
            Assert.Contains("`modprobe vhci-hcd`", failed.Reason);
        });
    }

    [Fact]
    public async Task An_attach_file_that_refuses_the_write_says_root_is_needed_and_leaves_the_device_free()
    {
        _sysfs.MakeAttachUnwritable();
        var (_, device) = Device(UsbSpeed.High);
        var vhci = Vhci();

        await EventFilter.Warning(contains: "permission denied").ExpectOneAsync(async () =>
        {
            vhci.Tell(new Vhci.Attach(device, BusId), TestActor);
            var reason = (await ExpectMsgAsync<Vhci.AttachFailed>()).Reason;
            Assert.Contains($"permission denied writing {_sysfs.AttachPath}", reason);
            Assert.Contains("needs root", reason);
        });
        await AwaitAssertAsync(async () => Assert.Null((await device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance)).Holder));
        Assert.Equal("", _sysfs.ReadDetach());
    }

    [Fact]
    public async Task With_every_port_of_its_speed_in_use_the_attach_fails_and_says_so()
    {
        _sysfs.SetUsed(0, 1, 2, 3, 4, 5, 6, 7);
        var (_, device) = Device(UsbSpeed.High);
        var vhci = Vhci();

        await EventFilter.Warning(contains: "no free high-speed port").ExpectOneAsync(async () =>
        {
            vhci.Tell(new Vhci.Attach(device, BusId), TestActor);
            Assert.Equal(
                "no free high-speed port on vhci_hcd: all 8 are in use (0 of all ports by this node)",
                (await ExpectMsgAsync<Vhci.AttachFailed>()).Reason);
        });
        Assert.Equal("", File.ReadAllText(_sysfs.AttachPath));
    }

    [Fact]
    public void A_device_leased_to_someone_else_is_not_attached()
    {
        var (_, device) = Device(UsbSpeed.High);
        var other = CreateTestProbe("other");
        device.Tell(new UsbDevice.Claim(other.Ref), other.Ref);
        other.ExpectMsg<UsbDevice.Claimed>();
        var vhci = Vhci();

        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);

        Assert.Contains("the device is in use", ExpectMsg<Vhci.AttachFailed>().Reason);
        Assert.Equal("", File.ReadAllText(_sysfs.AttachPath));
    }

    [Fact]
    public void A_device_that_does_not_describe_itself_in_time_is_not_attached()
    {
        var silent = CreateTestProbe("silent");
        var vhci = Sys.ActorOf(VhciActor.Props(Settings with { DeviceRequestTimeout = TimeSpan.FromMilliseconds(200) }), "imports");

        vhci.Tell(new Vhci.Attach(silent.Ref, BusId), TestActor);

        silent.ExpectMsg<UsbDevice.GetInfo>();
        Assert.Contains("did not describe itself within 0.2 s", ExpectMsg<Vhci.AttachFailed>().Reason);
        Assert.Equal("", File.ReadAllText(_sysfs.AttachPath));
    }

    [Fact]
    public async Task A_device_slow_to_grant_its_lease_is_attached_within_the_import_timeout()
    {
        // A device of another node opens its session before it answers the claim: longer than describing itself.
        var (_, device) = Device(UsbSpeed.High);
        var remote = CreateTestProbe("remote");
        var vhci = Sys.ActorOf(VhciActor.Props(Settings with { DeviceRequestTimeout = TimeSpan.FromMilliseconds(200), ImportTimeout = TimeSpan.FromSeconds(5) }), "imports");

        vhci.Tell(new Vhci.Attach(remote.Ref, BusId), TestActor);
        remote.ExpectMsg<UsbDevice.GetInfo>();
        remote.Reply(await device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance));
        var claim = remote.ExpectMsg<UsbDevice.Claim>();
        var claimant = remote.LastSender;
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        device.Tell(claim, claimant);

        Assert.Equal(BusId, ExpectMsg<Vhci.Attached>().BusId);
    }

    [Fact]
    public void A_device_without_a_bus_speed_is_not_attached()
    {
        var (_, device) = Device(UsbSpeed.Unknown);
        var vhci = Vhci();

        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);

        Assert.Contains("no bus speed", ExpectMsg<Vhci.AttachFailed>().Reason);
    }

    [Fact]
    public async Task A_detached_device_can_be_attached_again()
    {
        var (_, device) = Device(UsbSpeed.High);
        var vhci = Vhci();
        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);
        var first = ExpectMsg<Vhci.Attached>();
        Watch(first.PortActor);
        vhci.Tell(new Vhci.Detach(first.Port), TestActor);
        ExpectMsg<Vhci.Detached>();
        ExpectTerminated(first.PortActor);
        await AwaitAssertAsync(async () => Assert.Null((await device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance)).Holder));
        _sysfs.ClearAttach();

        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);

        var second = ExpectMsg<Vhci.Attached>();
        Assert.Equal(second.Port, _sysfs.ReadAttach().Port);
        var request = _sysfs.ReadAttach();
        await using var kernel = new FakeKernel(request.SocketFd, request.DevId);
        await kernel.SubmitAsync(UsbIpDirection.In, 0, 18, GetDeviceDescriptor);
        Assert.Equal(0, Assert.IsType<UsbIpRetSubmit>(await kernel.ReceiveAsync()).Status);
    }

    [Theory]
    [InlineData("100-1", 100, 1)]
    [InlineData("1-1.4", 1, 4)]
    [InlineData("3-2.1.7", 3, 7)]
    [InlineData("gadget", 0, 0)]
    public void The_devid_comes_from_the_bus_id(string busId, int busNum, int devNum)
    {
        Assert.Equal((busNum, devNum), VhciPortActor.DevIdParts(busId));
    }

    public new void Dispose()
    {
        base.Dispose();
        _sysfs.Dispose();
    }

    private IActorRef Vhci() => Sys.ActorOf(VhciActor.Props(Settings), "imports");

    /// <summary>A high-speed device attached through a new front end, as most specs start.</summary>
    private (IActorRef Vhci, IActorRef Device, int Port) AttachHighSpeed()
    {
        var (_, device) = Device(UsbSpeed.High);
        var vhci = Vhci();
        vhci.Tell(new Vhci.Attach(device, BusId), TestActor);
        return (vhci, device, ExpectMsg<Vhci.Attached>().Port);
    }

    private VhciSettings Settings => new() { SysfsRoot = _sysfs.Root, StateDirectory = _sysfs.StateDirectory };

    private (LoopbackDevice Backend, IActorRef Device) Device(UsbSpeed speed)
    {
        var backend = new LoopbackDevice(speed);
        return (backend, Sys.ActorOf(UsbDeviceActor.Props(backend)));
    }
}
