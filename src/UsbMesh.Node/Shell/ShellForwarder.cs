using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Transport;
using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>
/// Runs a command on another node of the mesh: over a lane of the <see cref="Service"/> service, as a shell client
/// of that node, whose output frames come back one by one. The other node knows this node by the identity its TLS
/// proved and decides for itself what this node may run there.
/// </summary>
internal sealed class ShellForwarder(ShellServices services)
{
    /// <summary>The lane service of the command host.</summary>
    public const string Service = "shell";

    /// <summary>How long the other node may take to be connected and to welcome the command.</summary>
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(5);

    public async Task<int> RunAsync(string node, CommandRequest request, ShellCaller caller, ShellOutput output, CancellationToken cancellation)
    {
        var target = await ResolveAsync(node, cancellation).ConfigureAwait(false);
        ShellClient client;
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            connect.CancelAfter(ConnectLimit);
            ILane lane;
            try
            {
                lane = await services.Remoting.OpenLaneAsync(target, Service, connect.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw Unreachable(node, $"no connection within {ConnectLimit.TotalSeconds:0} s; `peers list` shows whether it is up");
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                throw Unreachable(node, e.Message);
            }

            try
            {
                client = await ShellClient.ConnectAsync(new LaneStream(lane), $"node '{services.NodeName}' for its {caller.Name}", connect.Token).ConfigureAwait(false);
            }
            catch (ShellUnavailableException e)
            {
                throw Unreachable(node, e.Message);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw Unreachable(node, $"it did not welcome the command within {ConnectLimit.TotalSeconds:0} s");
            }
        }

        await using (client.ConfigureAwait(false))
        {
            await foreach (var frame in client.RunAsync(request, cancellation).ConfigureAwait(false))
            {
                if (frame is ShellFrame.End end)
                {
                    return end.ExitCode;
                }

                await output.RelayAsync(frame).ConfigureAwait(false);
            }
        }

        throw Unreachable(node, "the connection ended before the command did");
    }

    /// <summary>A node by the name this node's trust list gives it, the name it announces, or its id.</summary>
    private async Task<NodeId> ResolveAsync(string node, CancellationToken cancellation)
    {
        if (services.Trust.Current.Find(node) is { } trusted)
        {
            return trusted.Id;
        }

        var members = (await services.AskAsync<MeshMembership.CurrentState>(services.Mesh, MeshMembership.GetState.Instance, "membership", cancellation).ConfigureAwait(false)).State.Members;
        if (members.FirstOrDefault(m => m.Name == node || m.Id.ToString() == node) is { } member && member.Id != services.Identity.Id)
        {
            return member.Id;
        }

        var known = services.Trust.Current.Peers.Select(p => p.Name).ToList();
        throw ShellCommandException.NotFound(
            $"No node '{node}': node '{services.NodeName}' neither trusts nor sees a node of that name. Known peers: {(known.Count == 0 ? "none" : string.Join(", ", known))}.");
    }

    private static ShellCommandException Unreachable(string node, string why) =>
        new(ShellErrors.Unavailable, $"Node '{node}' cannot be reached: {why}.");
}
