using UsbMesh.Actors;
using UsbMesh.Mesh.Remote;

namespace UsbMesh.Sessions;

/// <summary>Offers device sessions on a node's remoting: each session lane's hello goes to <see cref="ClientSessionsActor"/>.</summary>
public static class SessionService
{
    public static void Offer(Remoting remoting, IActorRef sessions, SessionSettings settings) =>
        remoting.RegisterLaneService(SessionHandshake.Service, async (peer, lane) =>
        {
            using var timeout = new CancellationTokenSource(settings.HandshakeTimeout);
            var hello = await SessionHandshake.ReadHelloAsync(lane, timeout.Token).ConfigureAwait(false);
            sessions.Tell(new ClientSessions.Arrived(peer, hello, lane));
        });
}
