using UsbMesh.Actors;

namespace UsbMesh.Node.Shell;

/// <summary>
/// Starts the node's command host: the <see cref="CommandHostActor"/> with every palette, the lane service through
/// which peers run commands, and the admin socket, which closes (and its file goes) when the node shuts down.
/// </summary>
public static class ShellHost
{
    /// <returns>The command host actor.</returns>
    /// <exception cref="IOException">The admin socket cannot be opened (another node listens there); the message says why.</exception>
    public static IActorRef Start(ShellServices services, ShellSettings settings)
    {
        var host = services.System.ActorOf(CommandHostActor.Props(context => new CommandHost(services, settings, Palettes(services, context))), CommandHostActor.Name);
        ShellLaneService.Offer(services.Remoting, services, settings, host);
        RttProbe.Offer(services.Remoting);
        if (!OperatingSystem.IsWindows())
        {
            OpenAdminSocket(services.System, settings, host);
        }

        return host;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void OpenAdminSocket(ActorSystem system, ShellSettings settings, IActorRef host)
    {
        var log = system.Log;
        var socket = AdminSocket.Open(settings, host, line => log.Warning("{0}", line));
        system.CoordinatedShutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "close-admin-socket", () => socket.DisposeAsync().AsTask());
    }

    /// <summary>Every palette the node offers, in the order clients list them.</summary>
    private static IReadOnlyList<ShellPalette> Palettes(ShellServices services, IActorContext context)
    {
        var attachments = context.ActorOf(AttachmentsActor.Props(services.Imports, services.Exports, services.MeshDevices), "attachments");
        return
        [
            NodePalette.Create(services),
            PeersPalette.Create(services),
            DevicesPalette.Create(services),
            AttachPalettes.Attach(services, attachments),
            AttachPalettes.Detach(services, attachments),
            SessionsPalette.Create(services),
            GadgetsPalette.Create(services),
            DiagnosticsPalettes.Actor(services),
            DiagnosticsPalettes.Log(services),
            DiagnosticsPalettes.Metrics(services),
        ];
    }
}
