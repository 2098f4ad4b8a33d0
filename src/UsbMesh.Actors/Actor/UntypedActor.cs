namespace UsbMesh.Actors;

/// <summary>A behaviour of an <see cref="UntypedActor"/>: handles everything it is given.</summary>
public delegate void UntypedReceive(object message);

/// <summary>An actor with one method for all messages; call <see cref="ActorBase.Unhandled"/> for those it ignores.</summary>
public abstract class UntypedActor : ActorBase
{
    protected abstract void OnReceive(object message);

    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    protected void Become(UntypedReceive receive) => Context.Become(Wrap(receive));

    protected void BecomeStacked(UntypedReceive receive) => Context.BecomeStacked(Wrap(receive));

    private static Receive Wrap(UntypedReceive receive) => message =>
    {
        receive(message);
        return true;
    };
}
