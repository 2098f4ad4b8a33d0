using System.Buffers.Binary;
using System.Text;

namespace UsbMesh.Mesh.Tls;

/// <summary>
/// The accepting node's first frame on a new connection: 1 byte (1 accepted, 0 refused), a 2-byte big-endian
/// length, the reason in UTF-8 (at most 1 KiB). A refused peer learns why and nothing else.
/// </summary>
internal static class Verdict
{
    private const byte Accepted = 1;
    private const byte Refused = 0;
    private const int MaxReason = 1024;

    /// <summary>Writes the verdict: accepted when <paramref name="refusal"/> is null.</summary>
    public static async Task WriteAsync(Stream stream, string? refusal, CancellationToken cancellationToken)
    {
        var reason = Encoding.UTF8.GetBytes(refusal ?? "");
        if (reason.Length > MaxReason)
        {
            reason = reason[..MaxReason];
        }

        var frame = new byte[3 + reason.Length];
        frame[0] = refusal is null ? Accepted : Refused;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), (ushort)reason.Length);
        reason.CopyTo(frame, 3);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the verdict: null when accepted, else the reason.</summary>
    /// <exception cref="PeerRefusedException">The stream ended, or did not carry a verdict.</exception>
    public static async Task<string?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[3];
        try
        {
            await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1));
            if (header[0] is not (Accepted or Refused) || length > MaxReason)
            {
                throw new PeerRefusedException("the accepting node sent no valid verdict");
            }

            var reason = new byte[length];
            await stream.ReadExactlyAsync(reason, cancellationToken).ConfigureAwait(false);
            return header[0] == Accepted ? null : Encoding.UTF8.GetString(reason);
        }
        catch (EndOfStreamException)
        {
            throw new PeerRefusedException("the accepting node closed the connection without a verdict");
        }
    }
}
