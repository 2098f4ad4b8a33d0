namespace UsbMesh.Actors.Dispatch;

/// <summary>A message with its sender, stored by value in the mailbox so that a tell allocates nothing.</summary>
public readonly struct Envelope(object message, IActorRef? sender)
{
    public object Message { get; } = message;

    /// <summary>Null when the message was sent without a sender.</summary>
    public IActorRef? Sender { get; } = sender;

    public override string ToString() => $"<{Message}> from {Sender?.ToString() ?? "NoSender"}";
}
