using System.Buffers.Binary;
using System.Text;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Relay;

/// <summary>
/// What the relay lanes carry before the relayed bytes. On a <c>relay</c> lane the origin sends the target's 32-byte
/// Ed25519 key, and the relay answers: 1 byte (1 connected, 0 refused), a 2-byte big-endian length and the reason in
/// UTF-8 (at most 1 KiB). On the <c>relayed</c> lane to the target the relay sends the origin's 32-byte key, a claim
/// the target checks against the identity the end-to-end TLS session proves. Everything after is the origin's and
/// the target's TLS records, which the relay copies without reading.
/// </summary>
internal static class RelayWire
{
    /// <summary>The lane service of a node that relays.</summary>
    public const string RelayService = "relay";

    /// <summary>The lane service of a node reached through a relay.</summary>
    public const string RelayedService = "relayed";

    private const byte Connected = 1;
    private const byte Refused = 0;
    private const int MaxReason = 1024;

    /// <summary>Sends a node's id (the target to the relay, or the claimed origin to the target).</summary>
    public static ValueTask WriteNodeAsync(ILane lane, NodeId node, CancellationToken cancellationToken) =>
        lane.WriteAsync(node.PublicKey.ToArray(), cancellationToken);

    /// <summary>Reads a node's id.</summary>
    /// <exception cref="EndOfStreamException">The lane ended first.</exception>
    public static async Task<NodeId> ReadNodeAsync(ILane lane, CancellationToken cancellationToken)
    {
        var key = new byte[NodeId.KeyLength];
        await lane.ReadExactlyAsync(key, cancellationToken).ConfigureAwait(false);
        return NodeId.FromPublicKey(key);
    }

    /// <summary>Sends the relay's answer: connected when <paramref name="refusal"/> is null.</summary>
    public static ValueTask WriteAnswerAsync(ILane lane, string? refusal, CancellationToken cancellationToken)
    {
        var reason = Encoding.UTF8.GetBytes(refusal ?? "");
        if (reason.Length > MaxReason)
        {
            reason = reason[..MaxReason];
        }

        var frame = new byte[3 + reason.Length];
        frame[0] = refusal is null ? Connected : Refused;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), (ushort)reason.Length);
        reason.CopyTo(frame, 3);
        return lane.WriteAsync(frame, cancellationToken);
    }

    /// <summary>Reads the relay's answer: null when connected, else the reason.</summary>
    /// <exception cref="RelayRefusedException">The lane ended, or did not carry an answer.</exception>
    public static async Task<string?> ReadAnswerAsync(ILane lane, CancellationToken cancellationToken)
    {
        var header = new byte[3];
        try
        {
            await lane.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1));
            if (header[0] is not (Connected or Refused) || length > MaxReason)
            {
                throw new RelayRefusedException("the relay sent no valid answer");
            }

            var reason = new byte[length];
            await lane.ReadExactlyAsync(reason, cancellationToken).ConfigureAwait(false);
            return header[0] == Connected ? null : Encoding.UTF8.GetString(reason);
        }
        catch (EndOfStreamException)
        {
            throw new RelayRefusedException("the relay closed the lane without an answer (it may not offer relaying)");
        }
    }
}
