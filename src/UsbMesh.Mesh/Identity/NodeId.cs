using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace UsbMesh.Mesh.Identity;

/// <summary>
/// A node's identity as peers know it: its Ed25519 public key. The text form is made to be read aloud, typed and
/// compared by people: 56 characters of Crockford's base32 (digits and letters without I, L, O and U, any case) in
/// eight groups of seven, <c>XXXXXXX-XXXXXXX-…</c>, the last three bytes a checksum, so a mistyped or swapped
/// character is refused instead of naming another node. <see cref="Short"/> (the first group) is for display only;
/// trust lists hold the full id.
/// </summary>
[JsonConverter(typeof(NodeIdJsonConverter))]
public readonly struct NodeId : IEquatable<NodeId>
{
    /// <summary>Bytes of an Ed25519 public key.</summary>
    public const int KeyLength = 32;

    private const int ChecksumLength = 3;
    private const int GroupLength = 7;
    private const int TextLength = (KeyLength + ChecksumLength) * 8 / 5; // 56
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private readonly byte[]? _key;

    // The text form costs a SHA-256 and is asked for on every remote message (paths carry it): made once.
    private readonly string? _text;

    private NodeId(byte[] key)
    {
        _key = key;
        var text = Encode([.. key, .. Checksum(key)]);
        _text = string.Join('-', Enumerable.Range(0, TextLength / GroupLength).Select(g => text.Substring(g * GroupLength, GroupLength)));
    }

    /// <summary>The Ed25519 public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _key ?? throw new InvalidOperationException("an empty NodeId has no key");

    /// <summary>The first group of the text form: enough to tell a handful of nodes apart in a listing, not to trust.</summary>
    public string Short => ToString()[..GroupLength];

    /// <summary>The id of an Ed25519 public key.</summary>
    /// <param name="publicKey">The 32-byte key.</param>
    public static NodeId FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != KeyLength)
        {
            throw new ArgumentException($"an Ed25519 public key is {KeyLength} bytes, not {publicKey.Length}", nameof(publicKey));
        }

        return new NodeId(publicKey.ToArray());
    }

    /// <summary>Reads the text form; see <see cref="TryParse"/>.</summary>
    /// <param name="text">The id as people write it.</param>
    /// <exception cref="FormatException">It is not a node id; the message says why.</exception>
    public static NodeId Parse(string text) =>
        TryParse(text, out var id, out var error) ? id : throw new FormatException(error);

    /// <summary>
    /// Reads the text form: case does not matter, dashes and spaces are ignored, O reads as 0 and I or L as 1.
    /// </summary>
    /// <param name="text">The id as people write it.</param>
    /// <param name="id">The id.</param>
    /// <param name="error">Why <paramref name="text"/> is not a node id.</param>
    public static bool TryParse(string? text, out NodeId id, out string error)
    {
        id = default;
        var symbols = new StringBuilder(TextLength);
        foreach (var c in text ?? "")
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            var value = Symbol(c);
            if (value < 0)
            {
                error = $"'{c}' cannot appear in a node id (it uses 0-9 and A-Z without I, L, O and U)";
                return false;
            }

            symbols.Append(Alphabet[value]);
        }

        if (symbols.Length != TextLength)
        {
            error = $"a node id has {TextLength} characters besides dashes, not {symbols.Length}";
            return false;
        }

        var bytes = Decode(symbols.ToString());
        var key = bytes[..KeyLength];
        if (!Checksum(key).AsSpan().SequenceEqual(bytes.AsSpan(KeyLength)))
        {
            error = "the id's checksum does not match: a character is mistyped or two are swapped";
            return false;
        }

        id = new NodeId(key);
        error = "";
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => _text ?? "";

    /// <inheritdoc/>
    public bool Equals(NodeId other) => PublicKeyOrEmpty.SequenceEqual(other.PublicKeyOrEmpty);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _key is null ? 0 : BitConverter.ToInt32(_key, 0);

    /// <summary>Whether two ids name the same key.</summary>
    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    /// <summary>Whether two ids name different keys.</summary>
    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    private ReadOnlySpan<byte> PublicKeyOrEmpty => _key;

    private static byte[] Checksum(ReadOnlySpan<byte> key) => SHA256.HashData(key)[..ChecksumLength];

    private static int Symbol(char c) => char.ToUpperInvariant(c) switch
    {
        'O' => 0,
        'I' or 'L' => 1,
        'U' => -1,
        var upper => Alphabet.IndexOf(upper, StringComparison.Ordinal),
    };

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(TextLength);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }

        return text.ToString();
    }

    private static byte[] Decode(string symbols)
    {
        var bytes = new List<byte>(KeyLength + ChecksumLength);
        int buffer = 0, bits = 0;
        foreach (var c in symbols)
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
            }
        }

        return [.. bytes];
    }
}
