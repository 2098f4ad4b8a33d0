using System.Collections.Immutable;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Trust;

/// <summary>
/// Who may connect, import and administer: the peers of the configuration (fixed while the node runs) and those of
/// the trust store (changed at run time by the shell). Immutable; a change makes a new list. Names and ids are unique
/// across both.
/// </summary>
public sealed class TrustList
{
    /// <summary>The share-with entry that names every trusted peer.</summary>
    public const string EveryPeer = "*";

    private readonly ImmutableDictionary<NodeId, TrustedPeer> _byId;
    private readonly ImmutableDictionary<string, TrustedPeer> _byName;

    private TrustList(ImmutableDictionary<NodeId, TrustedPeer> byId, ImmutableDictionary<string, TrustedPeer> byName)
    {
        _byId = byId;
        _byName = byName;
    }

    /// <summary>A list that trusts nobody.</summary>
    public static TrustList Empty { get; } = new(ImmutableDictionary<NodeId, TrustedPeer>.Empty, ImmutableDictionary<string, TrustedPeer>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>Every trusted peer, by name.</summary>
    public IEnumerable<TrustedPeer> Peers => _byName.Values.OrderBy(p => p.Name, StringComparer.Ordinal);

    /// <summary>A list of <paramref name="peers"/>.</summary>
    /// <param name="peers">The peers.</param>
    /// <exception cref="ArgumentException">Two peers share a name or an id; the message names both origins.</exception>
    public static TrustList Of(IEnumerable<TrustedPeer> peers) => peers.Aggregate(Empty, (list, peer) => list.With(peer));

    /// <summary>This list with <paramref name="peer"/> added.</summary>
    /// <param name="peer">The peer.</param>
    /// <exception cref="ArgumentException">Its name or id is taken; the message names where.</exception>
    public TrustList With(TrustedPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.Name.Length == 0 || peer.Name == EveryPeer)
        {
            throw new ArgumentException($"[{peer.Name}] cannot name a peer", nameof(peer));
        }

        if (_byName.TryGetValue(peer.Name, out var sameName))
        {
            throw new ArgumentException($"a peer named [{peer.Name}] is already trusted ({sameName.Origin})", nameof(peer));
        }

        if (_byId.TryGetValue(peer.Id, out var sameId))
        {
            throw new ArgumentException($"node {peer.Id.Short}… is already trusted as [{sameId.Name}] ({sameId.Origin})", nameof(peer));
        }

        return new TrustList(_byId.Add(peer.Id, peer), _byName.Add(peer.Name, peer));
    }

    /// <summary>This list without the peer named <paramref name="name"/> (unchanged if there is none).</summary>
    /// <param name="name">The peer's name.</param>
    public TrustList Without(string name) =>
        _byName.TryGetValue(name, out var peer) ? new TrustList(_byId.Remove(peer.Id), _byName.Remove(name)) : this;

    /// <summary>The trusted peer with <paramref name="id"/>, if any.</summary>
    /// <param name="id">A node id proven in a handshake.</param>
    public TrustedPeer? Find(NodeId id) => _byId.GetValueOrDefault(id);

    /// <summary>The trusted peer named <paramref name="name"/>, if any.</summary>
    /// <param name="name">The name.</param>
    public TrustedPeer? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Why <paramref name="id"/> may not connect, or null when it may: the handshake's trust check.</summary>
    /// <param name="id">A node id proven in a handshake.</param>
    public string? RefusalOf(NodeId id) => _byId.ContainsKey(id) ? null : "this node does not trust it (usbmesh.trust.peers)";

    /// <summary>Whether <paramref name="id"/> may use a device shared with <paramref name="shareWith"/> (names or <c>*</c>).</summary>
    /// <param name="id">The peer.</param>
    /// <param name="shareWith">The device's share-with list.</param>
    public bool MayImport(NodeId id, IEnumerable<string> shareWith) =>
        Find(id) is { } peer && shareWith.Any(s => s == EveryPeer || s == peer.Name);

    /// <summary>Whether <paramref name="id"/> may run admin commands here.</summary>
    /// <param name="id">The peer.</param>
    public bool IsAdmin(NodeId id) => Find(id)?.Admin == true;
}
