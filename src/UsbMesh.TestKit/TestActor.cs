using System.Threading.Channels;
using UsbMesh.Actors;

namespace UsbMesh.TestKit;

/// <summary>A message the test actor received, with its sender.</summary>
public sealed record ReceivedMessage(object Message, IActorRef Sender);

/// <summary>Queues everything it receives for the test to inspect; watches actors on the test's behalf.</summary>
internal sealed class TestActor : ReceiveActor
{
    public TestActor(ChannelWriter<ReceivedMessage> queue)
    {
        Receive<WatchCommand>(c =>
        {
            Context.Watch(c.Subject);
            Sender.Tell(Done.Instance);
        });
        Receive<UnwatchCommand>(c =>
        {
            Context.Unwatch(c.Subject);
            Sender.Tell(Done.Instance);
        });
        ReceiveAny(message => queue.TryWrite(new ReceivedMessage(message, Sender)));
    }

    internal sealed record WatchCommand(IActorRef Subject);

    internal sealed record UnwatchCommand(IActorRef Subject);
}
