namespace UsbMesh.Actors;

/// <summary>Anything a message can be sent to.</summary>
public interface ICanTell
{
    /// <summary>Sends <paramref name="message"/> without waiting; <paramref name="sender"/> null means no sender.</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>An immutable, location-transparent handle to an actor; the only way to reach it.</summary>
public interface IActorRef : ICanTell, IEquatable<IActorRef>, IComparable<IActorRef>, IComparable
{
    ActorPath Path { get; }
}

/// <summary>Well-known refs.</summary>
public static class ActorRefs
{
    /// <summary>A ref that ignores every message; returned where no actor exists (e.g. a missing child).</summary>
    public static readonly IActorRef Nobody = global::UsbMesh.Actors.Nobody.Instance;

    /// <summary>Pass as sender when there is none; the receiver sees dead letters as its sender.</summary>
    public static readonly IActorRef? NoSender;
}

public static class ActorRefImplicitSenderExtensions
{
    /// <summary>Tells with the current actor as sender when called inside one, otherwise with no sender.</summary>
    public static void Tell(this ICanTell receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.Self);

    /// <summary>Sends on behalf of the current message's sender, so replies go straight to it.</summary>
    public static void Forward(this ICanTell receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.SenderOrNull);

    /// <summary>True for <see cref="ActorRefs.Nobody"/> and null.</summary>
    public static bool IsNobody(this IActorRef? actorRef) => actorRef is null or Nobody;
}
