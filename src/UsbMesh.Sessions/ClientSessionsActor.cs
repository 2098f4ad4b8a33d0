using UsbMesh.Actors;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Sessions;

/// <summary>
/// The exporting node's device sessions (<c>/user/sessions</c>): a new session's first lane starts a
/// <see cref="ClientSessionActor"/>; later lanes and resumes go to the session they name, and only from the node that
/// opened it. A lane naming a session that no longer exists is told the session ended.
/// </summary>
public sealed class ClientSessionsActor : ReceiveActor
{
    /// <summary>The actor's name under /user.</summary>
    public const string Name = "sessions";

    private readonly Dictionary<Guid, (IActorRef Actor, ClientSessions.SessionSummary Summary)> _sessions = [];

    public ClientSessionsActor(IActorRef exports, Func<TrustList> trust, SessionSettings settings)
    {
        Receive<ClientSessions.Arrived>(arrived =>
        {
            var hello = arrived.Hello;
            if (_sessions.TryGetValue(hello.SessionId, out var session))
            {
                if (session.Summary.Importer != arrived.Peer)
                {
                    ClientSessionActor.Answer(arrived.Lane, new SessionWelcome(SessionOutcome.Refused, 0, "the session belongs to another node", null));
                    return;
                }

                session.Actor.Forward(arrived);
                return;
            }

            if (hello.Kind != SessionLaneKind.Control || hello.Resume)
            {
                ClientSessionActor.Answer(arrived.Lane, new SessionWelcome(SessionOutcome.Ended, 0, "the session is over", null));
                return;
            }

            var child = Context.ActorOf(ClientSessionActor.Props(arrived, exports, trust, settings), $"session-{hello.SessionId:N}");
            Context.Watch(child);
            _sessions[hello.SessionId] = (child, new ClientSessions.SessionSummary(hello.SessionId, arrived.Peer, hello.BusId, Connected: false));
        });
        Receive<ClientSessions.Changed>(changed =>
        {
            if (_sessions.TryGetValue(changed.Summary.Id, out var session))
            {
                _sessions[changed.Summary.Id] = session with { Summary = changed.Summary };
            }
        });
        Receive<Terminated>(terminated =>
        {
            foreach (var (id, session) in _sessions.Where(s => s.Value.Actor.Equals(terminated.ActorRef)).ToList())
            {
                _sessions.Remove(id);
            }
        });
        Receive<ClientSessions.Kill>(kill =>
        {
            var found = _sessions.TryGetValue(kill.Id, out var session);
            if (found)
            {
                Context.Stop(session.Actor);
            }

            Sender.Tell(new ClientSessions.Killed(kill.Id, found));
        });
        Receive<ClientSessions.List>(_ => Sender.Tell(new ClientSessions.Current([.. _sessions.Values.Select(s => s.Summary)])));
    }

    public static Props Props(IActorRef exports, Func<TrustList> trust, SessionSettings settings) =>
        Actors.Props.Create(() => new ClientSessionsActor(exports, trust, settings));

    /// <summary>Stopping a session is a fault-free end: a failing session must not come back with a stale lease.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}
