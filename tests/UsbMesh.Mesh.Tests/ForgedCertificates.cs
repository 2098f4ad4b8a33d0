using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Mesh.Tests;

/// <summary>Certificates a hostile peer could present: well formed, with a TLS key of its own, but an identity it
/// cannot prove. (Also compiled into the node specs, which present them to running daemons.)</summary>
internal static class ForgedCertificates
{
    /// <summary>A certificate whose extension claims the id <paramref name="claimed"/>, signed by <paramref name="signer"/>.</summary>
    public static X509Certificate2 Forge(Identity.NodeId claimed, Identity.NodeIdentity signer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=forged", key, HashAlgorithmName.SHA256);
        var signature = signer.Sign([.. "usbmesh-tls-identity-v1:"u8.ToArray(), .. key.ExportSubjectPublicKeyInfo()]);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteOctetString(claimed.PublicKey);
            writer.WriteOctetString(signature);
        }

        request.CertificateExtensions.Add(new X509Extension(IdentityCertificate.ExtensionOid, writer.Encode(), critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>A self-signed certificate with <paramref name="extension"/>, or with no identity at all.</summary>
    public static X509Certificate2 SelfSigned(string subject, X509Extension? extension)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (extension is not null)
        {
            request.CertificateExtensions.Add(extension);
        }

        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
    }
}
