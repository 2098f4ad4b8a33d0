using System.Runtime.Versioning;

namespace UsbMesh.Node.Tests;

/// <summary>
/// The first node of a mesh names itself as its seed. Reaching that address, it meets its own identity, which its
/// trust list does not name: it must still recognise itself, form the mesh alone, and not warn about its own seed.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LoneSeedSpec
{
    [Fact]
    public async Task A_node_that_is_its_own_seed_comes_up_alone_without_refusing_itself()
    {
        await using var mesh = new MeshDaemons();
        var listen = $"127.0.0.1:{FreePorts.Loopback()}";
        mesh.Start(new MeshNodeSpec("hub", listen, ["desk"], [listen], []));

        await mesh.UpAsync("hub", "hub", TimeSpan.FromSeconds(40));

        Assert.DoesNotContain("Cannot join the mesh", mesh["hub"].Stdout);
    }
}
