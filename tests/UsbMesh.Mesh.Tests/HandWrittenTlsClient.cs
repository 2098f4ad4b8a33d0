using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace UsbMesh.Mesh.Tests;

/// <summary>
/// The client side of a TLS 1.3 handshake (RFC 8446) written out by hand, so that a test can send any certificate
/// with a CertificateVerify signed by any key: what an attacker who captured a node's certificate, but not the TLS
/// key inside it, can put on the wire. No TLS library lets a caller do that, since each checks the key against the
/// certificate first. One cipher suite (TLS_AES_128_GCM_SHA256), one group (secp256r1), no resumption; once its
/// Finished is sent it reads the server's first answer: an alert, or the first application data (the verdict).
/// </summary>
internal static class HandWrittenTlsClient
{
    private const byte Handshake = 0x16;
    private const byte ApplicationData = 0x17;
    private const byte ChangeCipherSpec = 0x14;
    private const byte Alert = 0x15;

    /// <summary>Runs the handshake on <paramref name="stream"/>, presenting <paramref name="certificate"/> and proving
    /// it with <paramref name="signer"/>, whichever key that is; returns the server's answer to the proof.</summary>
    /// <exception cref="IOException">The server failed the handshake before the proof, or sent what this client does
    /// not handle.</exception>
    public static async Task<Answer> HandshakeAsync(Stream stream, byte[] certificate, ECDsa signer, CancellationToken cancellationToken)
    {
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var transcript = new MemoryStream();

        var clientHello = Message(0x01, ClientHello(ecdh));
        transcript.Write(clientHello);
        await stream.WriteAsync(Record(Handshake, clientHello), cancellationToken);
        await stream.FlushAsync(cancellationToken);

        var reader = new RecordReader(stream);
        var serverHello = await reader.NextHandshakeMessageAsync(cancellationToken);
        transcript.Write(serverHello);
        var serverShare = ServerKeyShare(serverHello);
        using var serverKey = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = serverShare[1..33], Y = serverShare[33..65] },
        });
        var shared = ecdh.DeriveRawSecretAgreement(serverKey.PublicKey);

        var early = HKDF.Extract(HashAlgorithmName.SHA256, new byte[32], new byte[32]);
        var handshakeSecret = HKDF.Extract(HashAlgorithmName.SHA256, shared, DeriveSecret(early, "derived", []));
        var clientSecret = DeriveSecret(handshakeSecret, "c hs traffic", transcript.ToArray());
        var serverSecret = DeriveSecret(handshakeSecret, "s hs traffic", transcript.ToArray());
        reader.Protect(new Protection(serverSecret));

        // EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished.
        byte[] requestContext = [];
        while (true)
        {
            var message = await reader.NextHandshakeMessageAsync(cancellationToken);
            transcript.Write(message);
            if (message[0] == 13)
            {
                requestContext = message.AsSpan(5, message[4]).ToArray();
            }
            else if (message[0] == 20)
            {
                break;
            }
        }

        var serverApplicationSecret = DeriveSecret(
            HKDF.Extract(HashAlgorithmName.SHA256, new byte[32], DeriveSecret(handshakeSecret, "derived", [])), "s ap traffic", transcript.ToArray());

        var certificateMessage = Message(0x0b, [(byte)requestContext.Length, .. requestContext, .. Length24([.. Length24(certificate), 0, 0])]);
        transcript.Write(certificateMessage);
        byte[] signed = [.. Enumerable.Repeat((byte)0x20, 64), .. "TLS 1.3, client CertificateVerify"u8, 0, .. SHA256.HashData(transcript.ToArray())];
        var signature = signer.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var verifyMessage = Message(0x0f, [0x04, 0x03, .. Length16(signature)]);
        transcript.Write(verifyMessage);
        var finishedKey = ExpandLabel(clientSecret, "finished", [], 32);
        var finishedMessage = Message(0x14, HMACSHA256.HashData(finishedKey, SHA256.HashData(transcript.ToArray())));

        var protection = new Protection(clientSecret);
        await stream.WriteAsync(Record(ChangeCipherSpec, [1]), cancellationToken);
        await stream.WriteAsync(protection.Seal(Handshake, [.. certificateMessage, .. verifyMessage, .. finishedMessage]), cancellationToken);
        await stream.FlushAsync(cancellationToken);

        // The server has written with its application keys since its Finished: session tickets (skipped), then an
        // alert if it refuses the proof, or data if it accepts it.
        reader.Protect(new Protection(serverApplicationSecret));
        while (true)
        {
            (byte Type, byte[] Content) record;
            try
            {
                record = await reader.NextRecordAsync(cancellationToken);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                return new Answer(null, null);
            }

            switch (record.Type)
            {
                case Alert:
                    return new Answer(record.Content[^1], null);
                case ApplicationData:
                    return new Answer(null, record.Content);
            }
        }
    }

    /// <summary>How the server answered the client's proof: an alert (its description code), application data, or
    /// neither before the connection closed.</summary>
    public sealed record Answer(byte? Alert, byte[]? Data);

    private static byte[] ClientHello(ECDiffieHellman ecdh)
    {
        var point = ecdh.ExportParameters(includePrivateParameters: false).Q;
        byte[] keyShare = [0x00, 0x17, .. Length16([0x04, .. point.X!, .. point.Y!])];
        byte[] extensions =
        [
            .. Extension(0x002b, [0x02, 0x03, 0x04]), // supported_versions: TLS 1.3
            .. Extension(0x000a, [0x00, 0x02, 0x00, 0x17]), // supported_groups: secp256r1
            .. Extension(0x000d, [0x00, 0x04, 0x04, 0x03, 0x08, 0x04]), // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
            .. Extension(0x0033, Length16(keyShare)), // key_share
        ];
        return
        [
            0x03, 0x03, .. RandomNumberGenerator.GetBytes(32),
            32, .. RandomNumberGenerator.GetBytes(32), // a legacy session id: the server answers in middlebox compatibility mode
            0x00, 0x02, 0x13, 0x01, // TLS_AES_128_GCM_SHA256
            0x01, 0x00, // no compression
            .. Length16(extensions),
        ];
    }

    /// <summary>The server's secp256r1 share from its ServerHello (header included).</summary>
    private static byte[] ServerKeyShare(byte[] serverHello)
    {
        if (serverHello[0] != 0x02)
        {
            throw new IOException($"expected a ServerHello, got handshake message {serverHello[0]}");
        }

        var at = 4 + 2 + 32;
        at += 1 + serverHello[at]; // session id
        at += 2 + 1; // cipher suite, compression
        var end = at + 2 + BinaryPrimitives.ReadUInt16BigEndian(serverHello.AsSpan(at));
        for (at += 2; at < end;)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(serverHello.AsSpan(at));
            var length = BinaryPrimitives.ReadUInt16BigEndian(serverHello.AsSpan(at + 2));
            if (type == 0x0033 && length == 2 + 2 + 65)
            {
                return serverHello.AsSpan(at + 8, 65).ToArray();
            }

            at += 4 + length;
        }

        throw new IOException("the ServerHello has no secp256r1 key share (a HelloRetryRequest?)");
    }

    private static byte[] DeriveSecret(byte[] secret, string label, byte[] messages) =>
        ExpandLabel(secret, label, SHA256.HashData(messages), 32);

    private static byte[] ExpandLabel(byte[] secret, string label, byte[] context, int length)
    {
        var fullLabel = Encoding.ASCII.GetBytes("tls13 " + label);
        byte[] info = [(byte)(length >> 8), (byte)length, (byte)fullLabel.Length, .. fullLabel, (byte)context.Length, .. context];
        return HKDF.Expand(HashAlgorithmName.SHA256, secret, length, info);
    }

    private static byte[] Message(byte type, byte[] body) => [type, .. Length24(body)];

    private static byte[] Extension(ushort type, byte[] data) => [(byte)(type >> 8), (byte)type, .. Length16(data)];

    private static byte[] Record(byte type, byte[] fragment) => [type, 0x03, 0x03, .. Length16(fragment)];

    private static byte[] Length16(byte[] data) => [(byte)(data.Length >> 8), (byte)data.Length, .. data];

    private static byte[] Length24(byte[] data) => [(byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length, .. data];

    /// <summary>AES-128-GCM record protection of one direction, with its record sequence.</summary>
    private sealed class Protection(byte[] secret)
    {
        private readonly byte[] _key = ExpandLabel(secret, "key", [], 16);
        private readonly byte[] _iv = ExpandLabel(secret, "iv", [], 12);
        private ulong _sequence;

        public byte[] Seal(byte type, byte[] content)
        {
            byte[] inner = [.. content, type];
            var header = new byte[] { ApplicationData, 0x03, 0x03, (byte)((inner.Length + 16) >> 8), (byte)(inner.Length + 16) };
            var sealedBytes = new byte[inner.Length];
            var tag = new byte[16];
            using var aes = new AesGcm(_key, 16);
            aes.Encrypt(NextNonce(), inner, sealedBytes, tag, header);
            return [.. header, .. sealedBytes, .. tag];
        }

        /// <summary>The inner content and its type.</summary>
        public (byte Type, byte[] Content) Open(byte[] header, byte[] fragment)
        {
            var inner = new byte[fragment.Length - 16];
            using var aes = new AesGcm(_key, 16);
            aes.Decrypt(NextNonce(), fragment.AsSpan(0, inner.Length), fragment.AsSpan(inner.Length), inner, header);
            var end = inner.Length - 1;
            while (inner[end] == 0)
            {
                end--;
            }

            return (inner[end], inner[..end]);
        }

        private byte[] NextNonce()
        {
            var nonce = (byte[])_iv.Clone();
            var sequence = _sequence++;
            for (var i = 0; i < 8; i++)
            {
                nonce[11 - i] ^= (byte)(sequence >> (8 * i));
            }

            return nonce;
        }
    }

    /// <summary>Records and the handshake messages in them, protected once <see cref="Protect"/> was called.</summary>
    private sealed class RecordReader(Stream stream)
    {
        private readonly List<byte> _pending = [];
        private Protection? _protection;

        public void Protect(Protection protection) => _protection = protection;

        /// <summary>The next record's type and content, opened when protected.</summary>
        public async Task<(byte Type, byte[] Content)> NextRecordAsync(CancellationToken cancellationToken)
        {
            var header = new byte[5];
            await stream.ReadExactlyAsync(header, cancellationToken);
            var fragment = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3))];
            await stream.ReadExactlyAsync(fragment, cancellationToken);
            return header[0] == ApplicationData && _protection is not null ? _protection.Open(header, fragment) : (header[0], fragment);
        }

        public async Task<byte[]> NextHandshakeMessageAsync(CancellationToken cancellationToken)
        {
            while (_pending.Count < 4 || _pending.Count < 4 + ((_pending[1] << 16) | (_pending[2] << 8) | _pending[3]))
            {
                var (type, content) = await NextRecordAsync(cancellationToken);
                switch (type)
                {
                    case Handshake:
                        _pending.AddRange(content);
                        break;
                    case ChangeCipherSpec:
                        break;
                    case Alert:
                        throw new IOException($"the server sent alert {content[^1]}");
                    default:
                        throw new IOException($"unexpected record type {type} during the handshake");
                }
            }

            var length = 4 + ((_pending[1] << 16) | (_pending[2] << 8) | _pending[3]);
            var message = _pending.GetRange(0, length).ToArray();
            _pending.RemoveRange(0, length);
            return message;
        }
    }
}
