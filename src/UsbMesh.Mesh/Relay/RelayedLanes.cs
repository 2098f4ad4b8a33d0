using System.Net.Security;
using AuthenticatedStream = UsbMesh.Mesh.Tls.AuthenticatedStream;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Tls;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Relay;

/// <summary>
/// Lanes between two nodes that run through a relay, end to end: over the relayed bytes the origin and the target run
/// identity-bound TLS (docs/adr/0006) of their own, the origin expecting the target's id, the target checking that the
/// proven id is the origin the relay claimed and that it trusts it. Then the origin names the service inside the TLS
/// session and the target hands the lane to that service's handler, as if it had come over a direct connection. The
/// relay sees TLS records only; a relay that changes a byte breaks the session instead of the data.
/// </summary>
/// <param name="remoting">This node's remoting.</param>
/// <param name="certificate">This node's <see cref="IdentityCertificate"/>.</param>
/// <param name="refusal">The trust list: why an origin may not open lanes here, or null when it may.</param>
internal sealed class RelayedLanes(Remoting remoting, X509Certificate2 certificate, Func<NodeId, string?> refusal)
{
    /// <summary>How long the origin's end-to-end handshake may take, on either side.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Opens a lane to <paramref name="target"/>'s <paramref name="service"/> through <paramref name="relay"/>.</summary>
    /// <exception cref="RelayRefusedException">The relay would not connect the two.</exception>
    /// <exception cref="PeerRefusedException">The target refused this node, or another node answered.</exception>
    public async Task<ILane> ConnectAsync(NodeId relay, NodeId target, string service, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        var lane = await remoting.OpenDirectLaneAsync(relay, RelayWire.RelayService, timeout.Token).ConfigureAwait(false);
        try
        {
            await RelayWire.WriteNodeAsync(lane, target, timeout.Token).ConfigureAwait(false);
            if (await RelayWire.ReadAnswerAsync(lane, timeout.Token).ConfigureAwait(false) is { } reason)
            {
                throw new RelayRefusedException($"relay {relay.Short} refused to reach node {target.Short}: {reason}");
            }
        }
        catch
        {
            lane.Complete();
            throw;
        }

        // From here the TLS stream owns the lane: a failed handshake closes it.
        var relayed = new LaneStream(lane);
        var secured = await IdentityTls.ConnectAsync(relayed, certificate, target, timeout.Token).ConfigureAwait(false);
        HoldRecords(relayed);
        var inner = Lane(secured, lane);
        try
        {
            await LaneServices.AnnounceAsync(inner, service, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await secured.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return inner;
    }

    /// <summary>Serves a <c>relayed</c> lane that <paramref name="relay"/> opened: the end-to-end handshake, then the
    /// service the origin names, under the origin's proven id.</summary>
    public async Task AcceptAsync(NodeId relay, ILane lane)
    {
        var log = remoting.System.Log;
        AuthenticatedStream secured;
        var relayed = new LaneStream(lane);
        NodeId claimed = default;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(remoting.Stopping);
            timeout.CancelAfter(HandshakeTimeout);
            claimed = await RelayWire.ReadNodeAsync(lane, timeout.Token).ConfigureAwait(false);
            var origin = claimed;
            string? Refusal(NodeId proven) => proven != origin
                ? $"relay {relay.Short} said the connection came from node {origin.Short}, but it proved to be node {proven.Short}"
                : refusal(proven);
            secured = await IdentityTls.AcceptAsync(relayed, certificate, Refusal, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The TLS stream closed the lane on failure; before it existed, nothing else will.
            lane.Complete();
            log.Warning("A lane relayed by node {0}{1} was refused: {2}", relay.Short, claimed == default ? "" : $" from node {claimed.Short}", e.Message);
            return;
        }

        HoldRecords(relayed);
        log.Debug("Node {0} reached this node through relay {1}", secured.Peer.Short, relay.Short);
        await remoting.LaneServices.ServeAsync(secured.Peer, Lane(secured, lane), remoting.Stopping).ConfigureAwait(false);
    }

    /// <summary>From the end of the handshake on (its writes pass straight through: TLS need not flush them), what TLS
    /// writes waits for its flush, so that one write of the session crosses every hop as one frame instead of one per
    /// piece TLS writes, each cut again by the hop's own TLS and by the relay's reads.</summary>
    private static void HoldRecords(LaneStream relayed) => relayed.HoldWrites();

    /// <summary>The TLS session as a lane; completing it sends TLS's close_notify (flushed: the stream below holds
    /// writes until a flush, see <see cref="LaneStream.HoldWrites"/>), and the relayed lane closes with the stream.</summary>
    private static StreamLane Lane(AuthenticatedStream secured, ILane relayed) =>
        new(secured.Stream, relayed.Id, async stream =>
        {
            await ((SslStream)stream).ShutdownAsync().ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
        });
}
