using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;

namespace UsbMesh.Bench.Import;

/// <summary>
/// Stands in for the mesh directory of the importing node: it shows a fixed list of devices. Gossip and signed
/// announcements only decide what is offered, before any URB moves, so the benchmark leaves them out.
/// </summary>
internal sealed class FixedDirectory : ReceiveActor
{
    public FixedDirectory(IReadOnlyList<VisibleDevice> devices) =>
        Receive<MeshDirectory.GetVisible>(_ => Sender.Tell(new MeshDirectory.Visible(devices)));

    public static Props Props(IReadOnlyList<VisibleDevice> devices) => Actors.Props.Create(() => new FixedDirectory(devices));
}
