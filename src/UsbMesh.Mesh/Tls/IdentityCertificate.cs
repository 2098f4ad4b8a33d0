using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Tls;

/// <summary>
/// The certificate a node shows in a TLS handshake: an ephemeral ECDSA P-256 key, self-signed, carrying an extension
/// with the node's Ed25519 public key and its signature over the certificate's SubjectPublicKeyInfo (the scheme of
/// libp2p's TLS handshake). Whoever verifies the extension knows the TLS key speaks for that node id; no
/// certificate authority is involved, and a certificate is never reused across processes.
/// </summary>
public static class IdentityCertificate
{
    /// <summary>
    /// The extension's OID, under the ITU-T/ISO arc for UUIDs (2.25, X.667), which needs no registration:
    /// 2.25 followed by the UUID 5a3e8d2c-7b4f-4e1a-9c6d-2f8b1e0a7c53 as an integer.
    /// </summary>
    public const string ExtensionOid = "2.25.119955305369827383570719883499661851731";

    private static readonly byte[] SignaturePrefix = Encoding.ASCII.GetBytes("usbmesh-tls-identity-v1:");

    /// <summary>Creates this process's certificate for <paramref name="identity"/> (valid from an hour ago for a day).</summary>
    /// <param name="identity">The node's identity.</param>
    public static X509Certificate2 Create(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={identity.Id.Short}", key, HashAlgorithmName.SHA256);
        var signature = identity.Sign(SignedBytes(key.ExportSubjectPublicKeyInfo()));
        request.CertificateExtensions.Add(new X509Extension(ExtensionOid, Encode(identity.Id, signature), critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
    }

    /// <summary>
    /// The node a peer's certificate speaks for, or why it does not: the extension must be there, well formed, and
    /// its signature must be the embedded Ed25519 key's over this certificate's own public key.
    /// </summary>
    /// <param name="certificate">The peer's certificate.</param>
    /// <param name="peer">The peer's node id.</param>
    /// <param name="problem">Why the certificate names no node.</param>
    public static bool TryVerify(X509Certificate? certificate, out NodeId peer, out string problem)
    {
        peer = default;
        if (certificate is null)
        {
            problem = "the peer sent no certificate";
            return false;
        }

        if (certificate is not X509Certificate2 full)
        {
            using var copy = new X509Certificate2(certificate);
            return TryVerify(copy, out peer, out problem);
        }

        return TryVerifyExtension(full, out peer, out problem);
    }

    private static bool TryVerifyExtension(X509Certificate2 certificate, out NodeId peer, out string problem)
    {
        peer = default;

        var extension = certificate.Extensions[ExtensionOid];
        if (extension is null)
        {
            problem = "the peer's certificate carries no node identity";
            return false;
        }

        if (!TryDecode(extension.RawData, out var claimed, out var signature))
        {
            problem = "the peer's node identity extension is malformed";
            return false;
        }

        if (!NodeIdentity.Verify(claimed, SignedBytes(certificate.PublicKey.ExportSubjectPublicKeyInfo()), signature))
        {
            problem = $"the peer's certificate is not signed by the node it names ({claimed.Short}…)";
            return false;
        }

        peer = claimed;
        problem = "";
        return true;
    }

    private static byte[] SignedBytes(byte[] subjectPublicKeyInfo) => [.. SignaturePrefix, .. subjectPublicKeyInfo];

    /// <summary>DER: SEQUENCE { OCTET STRING ed25519-public-key, OCTET STRING signature }.</summary>
    private static byte[] Encode(NodeId id, byte[] signature)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteOctetString(id.PublicKey);
            writer.WriteOctetString(signature);
        }

        return writer.Encode();
    }

    private static bool TryDecode(byte[] der, out NodeId id, out byte[] signature)
    {
        id = default;
        signature = [];
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var key = sequence.ReadOctetString();
            signature = sequence.ReadOctetString();
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            if (key.Length != NodeId.KeyLength)
            {
                return false;
            }

            id = NodeId.FromPublicKey(key);
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
