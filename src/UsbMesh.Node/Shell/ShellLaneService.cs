using UsbMesh.Actors;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Transport;
using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>
/// Takes shell connections from peers over the mesh: each lane of the <see cref="ShellForwarder.Service"/> service
/// becomes a connection of the calling peer, whose identity the lane's TLS proved. With
/// <see cref="ShellSettings.Mesh"/> off, a peer is told that this node takes no commands from the mesh.
/// </summary>
internal static class ShellLaneService
{
    public static void Offer(Remoting remoting, ShellServices services, ShellSettings settings, IActorRef host) =>
        remoting.RegisterLaneService(ShellForwarder.Service, async (peer, lane) =>
        {
            var stream = new LaneStream(lane);
            if (settings.Mesh)
            {
                host.Tell(new CommandHostActor.Accept(stream, new ShellCaller(peer, services.NameOf(peer))));
                return;
            }

            await using (stream.ConfigureAwait(false))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await ShellFraming.ReadAsync(stream, timeout.Token).ConfigureAwait(false);
                await ShellFraming.WriteAsync(stream, new ShellFrame.Error(0, ShellErrors.Denied,
                    $"Denied: node '{services.NodeName}' takes no commands from the mesh (usbmesh.shell.mesh = off)."), timeout.Token).ConfigureAwait(false);
            }
        });
}
