using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// A <see cref="DeviceAnnouncement"/> together with the exact bytes its origin signed and the signature. The wire form
/// carries those bytes as they are and <see cref="Announcement"/> is read from them, so what is verified is what is
/// used, whatever another version's encoder would produce. Decoding does not verify: call <see cref="Verify"/>
/// (<see cref="DeviceDirectory.Offer"/> does) before believing it.
/// </summary>
public sealed class SignedAnnouncement
{
    private readonly byte[] _body;
    private readonly byte[] _signature;

    private SignedAnnouncement(DeviceAnnouncement announcement, byte[] body, byte[] signature)
    {
        Announcement = announcement;
        _body = body;
        _signature = signature;
    }

    /// <summary>What the announcement says, as read from <see cref="SignedBytes"/>.</summary>
    public DeviceAnnouncement Announcement { get; }

    /// <summary>The node that claims to have issued it; <see cref="Verify"/> checks the claim.</summary>
    public NodeId Origin => Announcement.Origin;

    /// <summary>The origin's sequence number: a newer announcement replaces an older one.</summary>
    public long Sequence => Announcement.Sequence;

    /// <summary>The signed body, starting with <see cref="AnnouncementFormat.Prefix"/>.</summary>
    public ReadOnlyMemory<byte> SignedBytes => _body;

    /// <summary>The origin's Ed25519 signature over <see cref="SignedBytes"/>.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    /// <summary>Encodes and signs this node's announcement.</summary>
    /// <param name="identity">This node's key; it must be the announcement's origin.</param>
    /// <param name="announcement">What to announce. Times keep millisecond precision.</param>
    /// <exception cref="ArgumentException">The origin is another node, or a count, string or the whole is over its cap.</exception>
    public static SignedAnnouncement Create(NodeIdentity identity, DeviceAnnouncement announcement)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(announcement);
        if (announcement.Origin != identity.Id)
        {
            throw new ArgumentException(
                $"a node announces only itself: the origin is {announcement.Origin.Short}…, this node is {identity.Id.Short}…",
                nameof(announcement));
        }

        var body = AnnouncementCodec.Encode(announcement);
        var wireLength = sizeof(uint) + body.Length + AnnouncementFormat.SignatureLength;
        if (wireLength > AnnouncementFormat.MaxWireBytes)
        {
            throw new ArgumentException(
                $"the announcement takes {wireLength} bytes, more than the {AnnouncementFormat.MaxWireBytes} peers accept: " +
                "share fewer devices or with fewer peers", nameof(announcement));
        }

        // Read back from the bytes so Announcement is exactly what peers will read (times rounded to milliseconds).
        return new SignedAnnouncement(AnnouncementCodec.Decode(body), body, identity.Sign(body));
    }

    /// <summary>
    /// Reads the wire form. Malformed input of any kind is reported in <paramref name="error"/>, never thrown; nothing is
    /// allocated for a count or length over its cap. The result is not yet verified.
    /// </summary>
    /// <param name="wire">The bytes from a peer.</param>
    /// <param name="announcement">The announcement, when the bytes are well formed.</param>
    /// <param name="error">Why the bytes are not an announcement.</param>
    public static bool TryDecode(ReadOnlySpan<byte> wire, [NotNullWhen(true)] out SignedAnnouncement? announcement, out string error)
    {
        announcement = null;
        if (wire.Length > AnnouncementFormat.MaxWireBytes)
        {
            error = $"the announcement is {wire.Length} bytes, more than the {AnnouncementFormat.MaxWireBytes} accepted";
            return false;
        }

        try
        {
            var reader = new AnnouncementReader(wire);
            var bodyLength = reader.ReadUInt32("the body length");
            if (bodyLength > reader.Remaining)
            {
                throw new AnnouncementFormatException($"the body claims {bodyLength} bytes, only {reader.Remaining} are left");
            }

            var body = reader.Take((int)bodyLength, "the body");
            var signature = reader.Take(AnnouncementFormat.SignatureLength, "the signature");
            reader.ExpectEnd("the signature");
            announcement = new SignedAnnouncement(AnnouncementCodec.Decode(body), body.ToArray(), signature.ToArray());
            error = "";
            return true;
        }
        catch (AnnouncementFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>The bytes to send: the body's length, the body, the signature.</summary>
    public byte[] ToWire()
    {
        var wire = new byte[sizeof(uint) + _body.Length + _signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(wire, (uint)_body.Length);
        _body.CopyTo(wire, sizeof(uint));
        _signature.CopyTo(wire, sizeof(uint) + _body.Length);
        return wire;
    }

    /// <summary>
    /// Null when the origin signed exactly these bytes; otherwise why not. A node signing in another's name and bytes
    /// altered on the way look the same here: the signature does not match the origin's key.
    /// </summary>
    public string? Verify() =>
        NodeIdentity.Verify(Origin, _body, _signature)
            ? null
            : $"the signature is not {Origin.Short}…'s: another node signed it in the origin's name, or it was altered on the way";
}
