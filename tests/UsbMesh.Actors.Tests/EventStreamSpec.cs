using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class EventStreamSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private interface IMarked;

    private abstract record Animal(string Name);

    private sealed record Dog(string Name) : Animal(Name), IMarked;

    private sealed record Cat(string Name) : Animal(Name);

    private sealed record Unrelated(int Value);

    [Fact]
    public void Subscriber_to_a_type_receives_events_of_its_subtypes_only()
    {
        Assert.True(Sys.EventStream.Subscribe(TestActor, typeof(Animal)));

        Sys.EventStream.Publish(new Unrelated(1));
        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));

        ExpectMsg(new Dog("rex"));
        ExpectMsg(new Cat("tom"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Subscriber_to_an_interface_receives_the_events_that_implement_it()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(IMarked));

        Sys.EventStream.Publish(new Cat("tom"));
        Sys.EventStream.Publish(new Dog("rex"));

        ExpectMsg(new Dog("rex"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Events_reach_every_subscriber_once_even_when_it_matches_several_channels()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(TestActor, typeof(Animal));
        Sys.EventStream.Subscribe(TestActor, typeof(Dog));
        Sys.EventStream.Subscribe(TestActor, typeof(object));
        Assert.False(Sys.EventStream.Subscribe(TestActor, typeof(Dog)));
        Sys.EventStream.Subscribe(probe.Ref, typeof(Dog));

        Sys.EventStream.Publish(new Dog("rex"));

        ExpectMsg(new Dog("rex"));
        probe.ExpectMsg(new Dog("rex"));
        Sys.EventStream.Unsubscribe(TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Events_published_from_one_thread_arrive_in_order()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Unrelated));

        for (var i = 0; i < 1000; i++)
        {
            Sys.EventStream.Publish(new Unrelated(i));
        }

        for (var i = 0; i < 1000; i++)
        {
            ExpectMsg(new Unrelated(i));
        }
    }

    [Fact]
    public void Unsubscribe_from_a_channel_stops_its_events_and_leaves_the_others()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Dog));
        Sys.EventStream.Subscribe(TestActor, typeof(Cat));

        Assert.True(Sys.EventStream.Unsubscribe(TestActor, typeof(Dog)));
        Assert.False(Sys.EventStream.Unsubscribe(TestActor, typeof(Dog)));

        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));
        ExpectMsg(new Cat("tom"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Unsubscribe_of_a_subscriber_removes_all_its_channels()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Dog));
        Sys.EventStream.Subscribe(TestActor, typeof(Cat));

        Assert.True(Sys.EventStream.Unsubscribe(TestActor));
        Assert.False(Sys.EventStream.Unsubscribe(TestActor));

        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Publish_with_no_subscribers_is_fine_and_makes_no_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        for (var i = 0; i < 100; i++)
        {
            Sys.EventStream.Publish(new Unrelated(i));
        }

        deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        // Subscribing afterwards works and sees only later events.
        Sys.EventStream.Subscribe(TestActor, typeof(Unrelated));
        Sys.EventStream.Publish(new Unrelated(100));
        ExpectMsg(new Unrelated(100));
    }

    private sealed class Subscriber : ReceiveActor
    {
        public Subscriber(IActorRef probe)
        {
            Receive<string>(s => s == "subscribe", _ =>
            {
                Context.System.EventStream.Subscribe(Self, typeof(Animal));
                Context.System.EventStream.Subscribe(Self, typeof(Unrelated));
                Sender.Tell("subscribed");
            });
            Receive<Animal>(a => probe.Tell(a));
        }
    }

    [Fact]
    public void Stopped_subscriber_is_unsubscribed_automatically_so_no_dead_letters_pile_up()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var subscriber = Sys.ActorOf(Props.Create(() => new Subscriber(TestActor)), "subscriber");
        subscriber.Tell("subscribe", TestActor);
        ExpectMsg("subscribed");
        Sys.EventStream.Publish(new Dog("before"));
        ExpectMsg(new Dog("before"));

        Watch(subscriber);
        Sys.Stop(subscriber);
        ExpectTerminated(subscriber);

        // The stop and the unsubscription are not one atomic step: an event published in between may still become a
        // dead letter, but soon none does.
        var attempt = 0;
        AwaitAssert(() =>
        {
            Sys.EventStream.Publish(new Cat($"probe-{++attempt}"));
            deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(150));
        }, TimeSpan.FromSeconds(5));

        for (var i = 0; i < 200; i++)
        {
            Sys.EventStream.Publish(new Dog($"after-{i}"));
            Sys.EventStream.Publish(new Unrelated(i));
        }

        deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.False(Sys.EventStream.Unsubscribe(subscriber));
    }

    [Fact]
    public void Subscribe_and_publish_reject_null()
    {
        Assert.Throws<ArgumentNullException>(() => Sys.EventStream.Subscribe(null!, typeof(Dog)));
        Assert.Throws<ArgumentNullException>(() => Sys.EventStream.Subscribe(TestActor, null!));
        Assert.Throws<ArgumentNullException>(() => Sys.EventStream.Publish(null!));
    }
}
