namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// The wire form of a <see cref="SignedAnnouncement"/> and the limits a reader enforces before it allocates anything.
/// All integers are big-endian; counts and string lengths are 32-bit; strings are UTF-8.
/// <code>
/// wire   = u32 bodyLength, body, signature (64 bytes, Ed25519 by the origin over body)
/// body   = "usbmesh-announcement-v1" (no length), origin key (32), name, u32 addressCount, address…,
///          u8 flags (bit 0: relay capable; others must be 0), i64 sequence, i64 issuedAt, i64 expiresAt
///          (Unix milliseconds), u32 deviceCount, device…
/// device = busId, u16 vendorId, u16 productId, u8 deviceClass, speed, manufacturer?, product?, serial?,
///          u32 audienceCount, audience key (32)…
/// string = u32 length, bytes; string? = u8 0 (absent) or u8 1 then string
/// </code>
/// The prefix separates these signatures from anything else the node key signs (its TLS certificate binding) and
/// names the version: a different layout gets a different prefix rather than a reader that guesses.
/// </summary>
public static class AnnouncementFormat
{
    /// <summary>The bytes every signed body starts with.</summary>
    public const string Prefix = "usbmesh-announcement-v1";

    /// <summary>Most devices one announcement may list.</summary>
    public const int MaxDevices = 256;

    /// <summary>Longest string, in UTF-8 bytes.</summary>
    public const int MaxStringBytes = 256;

    /// <summary>Most nodes one device's audience may name.</summary>
    public const int MaxAudience = 1024;

    /// <summary>Most addresses one announcement may list.</summary>
    public const int MaxAddresses = 16;

    /// <summary>Largest wire form, signature included.</summary>
    public const int MaxWireBytes = 256 * 1024;

    /// <summary>Bytes of an Ed25519 signature.</summary>
    public const int SignatureLength = 64;
}
