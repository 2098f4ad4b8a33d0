using UsbMesh.Actors;

namespace UsbMesh.TestKit;

/// <summary>An extra test actor with its own queue and expectations, for playing one side of a conversation.</summary>
public sealed class TestProbe : TestKitBase, ICanTell
{
    internal TestProbe(ActorSystem system, string name) : base(system, name)
    {
    }

    /// <summary>The probe's actor ref.</summary>
    public IActorRef Ref => TestActor;

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, TestActor);

    /// <summary>Answers the sender of the last message the probe took.</summary>
    public void Reply(object message) => LastSender.Tell(message, TestActor);

    /// <summary>Passes <paramref name="message"/> on to <paramref name="target"/> as if from the last sender.</summary>
    public void Forward(IActorRef target, object message) => target.Tell(message, LastSender);

    /// <summary>Lets the probe be used wherever a ref is expected as a target.</summary>
    public void Tell(object message, IActorRef? sender) => TestActor.Tell(message, sender);

    public override string ToString() => $"TestProbe({TestActor.Path})";
}
