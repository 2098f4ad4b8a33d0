using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Sessions;

/// <summary>The protocol of <see cref="ImportsActor"/>: the devices this node imports from others.</summary>
public static class Imports
{
    /// <summary>Opens a session with <paramref name="BusId"/> of <paramref name="Node"/>. Answer: <see cref="Opened"/> or <see cref="OpenFailed"/>.</summary>
    public sealed record Open(NodeId Node, string BusId);

    /// <summary>The device is imported: <paramref name="Device"/> speaks the <see cref="UsbDevice"/> protocol (claim it,
    /// then submit); it stops when the device is gone for good, and its holder letting go ends the import.</summary>
    public sealed record Opened(IActorRef Device, UsbDevice.Info Info, uint DevId);

    /// <summary>The import could not start; the reason says why (refused by the exporter, not reachable).</summary>
    public sealed record OpenFailed(string Reason);

    /// <summary>Asks for <see cref="Current"/>.</summary>
    public sealed record List
    {
        public static readonly List Instance = new();
    }

    /// <summary>The imports of this node.</summary>
    public sealed record Current(IReadOnlyList<ImportSummary> Imports);

    /// <summary>One import, for operators.</summary>
    /// <param name="Node">The exporting node.</param>
    /// <param name="BusId">The device on it.</param>
    /// <param name="Device">The imported device's actor.</param>
    /// <param name="SessionId">The session's id, the same on both nodes.</param>
    /// <param name="Stats">What it carried so far.</param>
    public sealed record ImportSummary(NodeId Node, string BusId, IActorRef Device, Guid SessionId = default, SessionStats? Stats = null);

    /// <summary>
    /// Ends import <paramref name="SessionId"/> now: its holder is told the device is gone and the exporter releases
    /// the lease. Answer: <see cref="Closed"/>.
    /// </summary>
    public sealed record Close(Guid SessionId);

    /// <summary>The answer to <see cref="Close"/>; <paramref name="Found"/> is false when no such import runs.</summary>
    public sealed record Closed(Guid SessionId, bool Found);
}

/// <summary>Opens imports (<c>/user/imports</c>) and keeps the list of those running.</summary>
public sealed class ImportsActor : ReceiveActor
{
    /// <summary>The actor's name under /user.</summary>
    public const string Name = "imports";

    private readonly Dictionary<IActorRef, Imports.ImportSummary> _imports = [];

    public ImportsActor(Mesh.Remote.Remoting remoting, SessionSettings settings)
    {
        Receive<Imports.Open>(open =>
        {
            var sessionId = Guid.NewGuid();
            var stats = new SessionStats();
            var child = Context.ActorOf(ImportedDeviceActor.Props(remoting, open.Node, open.BusId, settings, Sender, sessionId, stats));
            Context.Watch(child);
            _imports[child] = new Imports.ImportSummary(open.Node, open.BusId, child, sessionId, stats);
        });
        Receive<Imports.Close>(close =>
        {
            var import = _imports.Values.FirstOrDefault(i => i.SessionId == close.SessionId);
            import?.Device.Tell(ImportedDeviceActor.EndNow.Instance);
            Sender.Tell(new Imports.Closed(close.SessionId, import is not null));
        });
        Receive<Terminated>(t => _imports.Remove(t.ActorRef));
        Receive<Imports.List>(_ => Sender.Tell(new Imports.Current([.. _imports.Values])));
    }

    public static Props Props(Mesh.Remote.Remoting remoting, SessionSettings settings) =>
        Actors.Props.Create(() => new ImportsActor(remoting, settings));

    /// <summary>An import that fails ends; it is not restarted with a new session behind its holder's back.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}
