using System.Buffers.Binary;
using System.Text.Json;

namespace UsbMesh.Shell;

/// <summary>
/// Frames on a shell stream: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. The length is checked
/// against <see cref="MaxFrameBytes"/> before anything is allocated, so a broken or hostile peer costs nothing.
/// </summary>
public static class ShellFraming
{
    /// <summary>The largest frame either side accepts: a big table of a big mesh fits many times over.</summary>
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    public static async ValueTask WriteAsync(Stream stream, ShellFrame frame, CancellationToken cancellationToken = default)
    {
        var json = Encode(frame);
        var buffer = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32BigEndian(buffer, json.Length);
        json.CopyTo(buffer, 4);
        await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next frame, or null when the stream ended cleanly between frames.</summary>
    /// <exception cref="ShellProtocolException">A length above the limit, a stream cut inside a frame, or bad JSON.</exception>
    public static async ValueTask<ShellFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var header = new byte[4];
        var read = await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < 4)
        {
            throw new ShellProtocolException("the stream ended inside a frame header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is < 2 or > MaxFrameBytes)
        {
            throw new ShellProtocolException($"a frame of {length} bytes (allowed: 2 to {MaxFrameBytes})");
        }

        var body = new byte[length];
        if (await stream.ReadAtLeastAsync(body, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length)
        {
            throw new ShellProtocolException("the stream ended inside a frame");
        }

        return Decode(body);
    }

    public static byte[] Encode(ShellFrame frame) => JsonSerializer.SerializeToUtf8Bytes(frame, ShellJson.Default.ShellFrame);

    /// <exception cref="ShellProtocolException">Not a frame.</exception>
    public static ShellFrame Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ShellJson.Default.ShellFrame) ?? throw new ShellProtocolException("a null frame");
        }
        catch (JsonException e)
        {
            throw new ShellProtocolException($"not a shell frame: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            throw new ShellProtocolException($"not a shell frame: {e.Message}");
        }
    }
}

/// <summary>The other side of a shell stream broke the framing; the connection cannot go on.</summary>
public sealed class ShellProtocolException(string message) : Exception($"Shell protocol error: {message}");
