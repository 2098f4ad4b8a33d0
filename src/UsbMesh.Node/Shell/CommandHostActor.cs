using UsbMesh.Actors;

namespace UsbMesh.Node.Shell;

/// <summary>
/// The command host (<c>/user/shell</c>): holds the palettes and their handlers, and gives each shell connection a
/// <see cref="ShellConnectionActor"/> of its own. A connection that fails ends alone.
/// </summary>
public sealed class CommandHostActor : ReceiveActor
{
    public const string Name = "shell";

    private int _connections;

    public CommandHostActor(Func<IActorContext, CommandHost> createHost)
    {
        var host = createHost(Context);
        Receive<Accept>(accept => Context.ActorOf(ShellConnectionActor.Props(host, accept.Stream, accept.Caller, accept.Slot), $"connection-{++_connections}"));
        Receive<GetHost>(_ => Sender.Tell(host));
    }

    /// <param name="createHost">Builds the host; children it needs (attachments) are created in the given context.</param>
    public static Props Props(Func<IActorContext, CommandHost> createHost) => Actors.Props.Create(() => new CommandHostActor(createHost));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>
    /// A new shell connection on <paramref name="Stream"/> (which the host then owns) from <paramref name="Caller"/>,
    /// holding <paramref name="Slot"/> of its endpoint's admission (freed when the connection ends) if it has one.
    /// </summary>
    public sealed record Accept(Stream Stream, ShellCaller Caller, IDisposable? Slot = null);

    /// <summary>Asks for the <see cref="CommandHost"/>.</summary>
    public sealed record GetHost
    {
        public static readonly GetHost Instance = new();
    }
}
