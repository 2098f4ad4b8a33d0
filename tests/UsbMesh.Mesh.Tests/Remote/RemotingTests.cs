using UsbMesh.Actors;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Transport;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests.Remote;

/// <summary>Actors of two nodes talking through remoting over the in-memory network: envelopes, refs inside
/// messages, ask, death watch, a node's death, reconnection and the limits.</summary>
public sealed class RemotingTests(ITestOutputHelper output) : TestKit.TestKit(output, ActorSystemSettings.Default with { LogLevel = Actors.Event.LogLevel.Debug }), IAsyncLifetime
{
    private readonly InMemoryNetwork _network = new();
    private RemoteTestNode _hub = null!;
    private RemoteTestNode _desk = null!;

    public async Task InitializeAsync()
    {
        _desk = await RemoteTestNode.StartAsync(_network, "mem://desk", Sys);
        _hub = await RemoteTestNode.StartAsync(_network, "mem://hub");
        _desk.Knows(_hub);
    }

    public async Task DisposeAsync()
    {
        await _desk.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public void A_message_reaches_an_actor_of_another_node_and_its_reply_comes_back_with_a_usable_ref()
    {
        var echo = _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");

        remoteEcho.Tell(new Hello("one"), TestActor);

        var reply = ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10));
        Assert.Equal("one", reply.Text);
        Assert.Equal($"usbmesh://{_hub.Id}/user/echo", reply.Echo.Path.ToString());
        Assert.Equal(echo.Path.Uid, reply.Echo.Path.Uid);
        Assert.Equal(_hub.Id.ToString(), LastSender.Path.Address.System);

        // The ref that came inside the message works like the one made from the path.
        reply.Echo.Tell(new Hello("two"), TestActor);
        Assert.Equal("two", ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10)).Text);
    }

    [Fact]
    public async Task Ask_works_across_nodes()
    {
        _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");

        var reply = await remoteEcho.Ask<HelloBack>(new Hello("asked"), TimeSpan.FromSeconds(10));

        Assert.Equal("asked", reply.Text);
    }

    [Fact]
    public void Many_messages_arrive_in_the_order_they_were_sent()
    {
        _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");

        for (var i = 0; i < 2000; i++)
        {
            remoteEcho.Tell(new Hello(i.ToString()), TestActor);
        }

        for (var i = 0; i < 2000; i++)
        {
            Assert.Equal(i.ToString(), ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10)).Text);
        }
    }

    [Fact]
    public void Watching_an_actor_of_another_node_yields_Terminated_when_it_stops()
    {
        var echo = _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");
        remoteEcho.Tell(new Hello("first"), TestActor);
        ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10));
        Watch(remoteEcho);
        // The watch frame travels before the stop: a round trip after it proves it arrived.
        remoteEcho.Tell(new Hello("after watch"), TestActor);
        ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10));

        _hub.System.Stop(echo);

        var terminated = ExpectTerminated(remoteEcho, TimeSpan.FromSeconds(10));
        Assert.False(terminated.AddressTerminated);
    }

    [Fact]
    public void Watching_a_remote_actor_that_does_not_exist_yields_Terminated_at_once()
    {
        var nobody = _desk.Remoting.ActorFor(_hub.Id, "/user/nobody-here");

        Watch(nobody);

        var terminated = ExpectTerminated(nobody, TimeSpan.FromSeconds(10));
        Assert.False(terminated.ExistenceConfirmed);
    }

    [Fact]
    public void A_node_declared_down_terminates_every_watch_of_its_actors()
    {
        _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");
        remoteEcho.Tell(new Hello("first"), TestActor);
        ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10));
        Watch(remoteEcho);

        _desk.Remoting.NodeDown(_hub.Id, "test verdict");

        Assert.True(ExpectTerminated(remoteEcho, TimeSpan.FromSeconds(10)).AddressTerminated);
    }

    [Fact]
    public void A_cut_connection_is_reopened_and_later_messages_arrive()
    {
        _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");
        remoteEcho.Tell(new Hello("before"), TestActor);
        ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10));
        Sys.EventStream.Subscribe(TestActor, typeof(DisassociatedEvent));
        Sys.EventStream.Subscribe(TestActor, typeof(AssociatedEvent));

        _network.Cut("mem://desk", "mem://hub");

        ExpectMsg<DisassociatedEvent>(e => e.RemoteNode == _hub.Id, TimeSpan.FromSeconds(10));
        ExpectMsg<AssociatedEvent>(e => e.RemoteNode == _hub.Id && !e.Inbound, TimeSpan.FromSeconds(10));
        remoteEcho.Tell(new Hello("after"), TestActor);
        Assert.Equal("after", FishForMessage<HelloBack>(_ => true, TimeSpan.FromSeconds(10)).Text);
    }

    [Fact]
    public void A_message_without_a_serializer_goes_to_dead_letters_and_is_not_sent()
    {
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));

        remoteEcho.Tell(new Unregistered("x"), TestActor);

        Assert.IsType<Unregistered>(ExpectMsg<DeadLetter>(TimeSpan.FromSeconds(5)).Message);
    }

    [Fact]
    public void A_message_over_the_size_limit_goes_to_dead_letters()
    {
        _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));

        remoteEcho.Tell(new byte[RemotingSettings.Default.MaximumMessageSize + 1], TestActor);
        remoteEcho.Tell(new byte[1000], TestActor);

        Assert.Equal(RemotingSettings.Default.MaximumMessageSize + 1, ((byte[])ExpectMsg<DeadLetter>(TimeSpan.FromSeconds(5)).Message).Length);
        Assert.Equal(1000, ExpectMsg<byte[]>(TimeSpan.FromSeconds(10)).Length);
    }

    [Fact]
    public void A_peer_cannot_send_on_behalf_of_an_actor_of_another_node()
    {
        var third = NodeIdentity.Generate().Id;
        Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        var forged = new Mesh.Remote.Wire.RemoteFrame(Mesh.Remote.Wire.FrameKind.Watch,
            $"usbmesh://{_desk.Id}/user/echo", $"usbmesh://{third}/user/spy");

        EventFilter.Warning(contains: "which is not one of its actors").ExpectOne(() => _desk.Remoting.Dispatch(_hub.Id, forged));
    }

    [Fact]
    public void After_bytes_were_lost_on_the_way_the_connection_is_rebuilt_and_messages_flow_again()
    {
        _hub.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var remoteEcho = _desk.Remoting.ActorFor(_hub.Id, "/user/echo");
        remoteEcho.Tell(new Hello("before"), TestActor);
        ExpectMsg<HelloBack>(TimeSpan.FromSeconds(10));
        Sys.EventStream.Subscribe(TestActor, typeof(DisassociatedEvent));
        var faults = _network.FaultsBetween("mem://desk", "mem://hub");

        faults.Drop();
        remoteEcho.Tell(new Hello("lost"), TestActor);
        FishForMessage<DisassociatedEvent>(e => e.RemoteNode == _hub.Id, TimeSpan.FromSeconds(15));
        faults.Heal();

        AwaitAssert(() =>
        {
            remoteEcho.Tell(new Hello("after"), TestActor);
            Assert.Equal("after", FishForMessage<HelloBack>(m => m.Text == "after", TimeSpan.FromSeconds(2)).Text);
        }, TimeSpan.FromSeconds(20));
    }
}
