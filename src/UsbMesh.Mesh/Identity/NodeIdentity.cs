using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace UsbMesh.Mesh.Identity;

/// <summary>
/// This node's Ed25519 key pair: it signs what the node says about itself (its TLS certificate, its device
/// announcements), and its public half is the node's <see cref="NodeId"/>. The key lives in a file only its owner may
/// read (mode 0600), as PKCS#8 PEM (<c>openssl pkey -in identity.key -noout -text</c> reads it).
/// </summary>
public sealed class NodeIdentity
{
    private const string PemLabel = "PRIVATE KEY";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Ed25519PrivateKeyParameters _privateKey;

    private NodeIdentity(Ed25519PrivateKeyParameters privateKey)
    {
        _privateKey = privateKey;
        Id = NodeId.FromPublicKey(privateKey.GeneratePublicKey().GetEncoded());
    }

    /// <summary>The node's id: its public key.</summary>
    public NodeId Id { get; }

    /// <summary>A new random identity (not stored).</summary>
    public static NodeIdentity Generate() => new(new Ed25519PrivateKeyParameters(new SecureRandom()));

    /// <summary>
    /// The identity in <paramref name="keyFile"/>, created there (mode 0600, its directory too) on first start.
    /// </summary>
    /// <param name="keyFile">The key file.</param>
    /// <param name="created">Whether this call created it.</param>
    /// <exception cref="IdentityException">The file is readable by others, or is not an Ed25519 key.</exception>
    public static NodeIdentity LoadOrCreate(string keyFile, out bool created)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyFile);
        created = false;
        if (!File.Exists(keyFile))
        {
            var identity = Generate();
            if (identity.TrySave(keyFile))
            {
                created = true;
                return identity;
            }

            // Another process created it first: use theirs.
        }

        return Load(keyFile);
    }

    /// <summary>The identity stored in <paramref name="keyFile"/>.</summary>
    /// <param name="keyFile">The key file.</param>
    /// <exception cref="IdentityException">The file is readable by others, or is not an Ed25519 key.</exception>
    public static NodeIdentity Load(string keyFile)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(keyFile) & GroupOrOthers) != 0)
        {
            throw new IdentityException(
                $"{keyFile}: the identity key can be read or changed by others (mode {Octal(File.GetUnixFileMode(keyFile))}); " +
                $"whoever holds it can speak for this node. Run: chmod 600 {keyFile}");
        }

        try
        {
            var text = File.ReadAllText(keyFile);
            var pem = PemEncoding.Find(text);
            if (text[pem.Label] != PemLabel)
            {
                throw new IdentityException($"{keyFile}: expected a PEM \"{PemLabel}\", found \"{text[pem.Label]}\"");
            }

            var key = PrivateKeyFactory.CreateKey(Convert.FromBase64String(text[pem.Base64Data]));
            return key is Ed25519PrivateKeyParameters ed25519
                ? new NodeIdentity(ed25519)
                : throw new IdentityException($"{keyFile}: the key is {key.GetType().Name}, not Ed25519");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or IOException or SecurityUtilityException)
        {
            throw new IdentityException($"{keyFile}: not a readable Ed25519 private key ({e.Message})", e);
        }
    }

    /// <summary>Signs <paramref name="data"/> with this node's key.</summary>
    /// <param name="data">What is signed.</param>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signer = new Ed25519Signer();
        signer.Init(forSigning: true, _privateKey);
        signer.BlockUpdate(data.ToArray(), 0, data.Length);
        return signer.GenerateSignature();
    }

    /// <summary>Whether <paramref name="signature"/> is <paramref name="signer"/>'s signature over <paramref name="data"/>.</summary>
    /// <param name="signer">Who supposedly signed.</param>
    /// <param name="data">What was signed.</param>
    /// <param name="signature">The signature.</param>
    public static bool Verify(NodeId signer, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Ed25519PrivateKeyParameters.SignatureSize)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(forSigning: false, new Ed25519PublicKeyParameters(signer.PublicKey.ToArray(), 0));
        verifier.BlockUpdate(data.ToArray(), 0, data.Length);
        return verifier.VerifySignature(signature.ToArray());
    }

    private bool TrySave(string keyFile)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(keyFile)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(_privateKey).GetDerEncoded();
        var pem = PemEncoding.Write(PemLabel, der);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using var file = new StreamWriter(new FileStream(keyFile, options));
            file.Write(pem);
            file.Write('\n');
            return true;
        }
        catch (IOException) when (File.Exists(keyFile))
        {
            return false;
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}

/// <summary>The node's identity key cannot be used; the message names the file and what to do.</summary>
public sealed class IdentityException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IdentityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public IdentityException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
