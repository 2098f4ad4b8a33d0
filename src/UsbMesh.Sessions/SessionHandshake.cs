using System.Buffers.Binary;
using System.Text;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Sessions;

/// <summary>What the importing node says first on each lane of a session: which session, which lane, how many of the
/// exporter's messages it has delivered (0 on a new session), and the device it wants.</summary>
/// <param name="SessionId">Chosen by the importer; the same on both lanes and across resumes.</param>
/// <param name="Kind">The lane.</param>
/// <param name="Delivered">The importer's count of delivered messages on this lane.</param>
/// <param name="BusId">The device, by its bus id on the exporting node.</param>
/// <param name="Resume">Whether the session exists already: a resume never starts a new session (which would take the
/// lease again for an importer that may have let go meanwhile).</param>
public sealed record SessionHello(Guid SessionId, SessionLaneKind Kind, long Delivered, string BusId, bool Resume);

/// <summary>How the exporting node answers a <see cref="SessionHello"/>.</summary>
public enum SessionOutcome : byte
{
    /// <summary>A new session: the importer holds the device's lease.</summary>
    Opened = 0,

    /// <summary>The session goes on: messages not delivered are written again.</summary>
    Resumed = 1,

    /// <summary>Refused; the reason says why (not shared with this node, busy, no such device).</summary>
    Refused = 2,

    /// <summary>The session is over (its grace period passed, or the device is gone): the device is gone for the importer.</summary>
    Ended = 3,
}

/// <summary>The exporting node's answer: the outcome, its count of delivered messages on this lane, and on a new
/// session the device as it stands (speed and raw descriptors), so the importer can describe it without asking.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="Delivered">The exporter's count of delivered messages on this lane.</param>
/// <param name="Reason">Why, when refused or ended.</param>
/// <param name="Device">The device, on <see cref="SessionOutcome.Opened"/> and <see cref="SessionOutcome.Resumed"/>.</param>
public sealed record SessionWelcome(SessionOutcome Outcome, long Delivered, string Reason, SessionDevice? Device);

/// <summary>A device as a session describes it.</summary>
/// <param name="Speed">The <see cref="Usb.UsbSpeed"/> value.</param>
/// <param name="ActiveConfiguration">bConfigurationValue of the active configuration.</param>
/// <param name="DevId">The devid of the exporter's record ((busnum &lt;&lt; 16) | devnum).</param>
/// <param name="DeviceDescriptor">The 18-byte device descriptor.</param>
/// <param name="Configurations">Each configuration descriptor with everything under it.</param>
public sealed record SessionDevice(byte Speed, byte ActiveConfiguration, uint DevId, byte[] DeviceDescriptor, IReadOnlyList<byte[]> Configurations);

/// <summary>
/// Reads and writes the session handshake (big-endian): a hello is <c>"UMS1" | session id (16) | kind (1) |
/// delivered (8) | bus id length (1) | bus id</c>; a welcome is <c>outcome (1) | delivered (8) | reason length (2) |
/// reason | device length (4) | device</c>, the kind's high bit marking a resume, the device being <c>speed | active configuration | devid (4) | device
/// descriptor (18) | count (1) | per configuration: length (2) | bytes</c>. Every length is checked before use.
/// </summary>
public static class SessionHandshake
{
    /// <summary>The lane service sessions are opened on.</summary>
    public const string Service = "usb-session";

    private static readonly byte[] Magic = "UMS1"u8.ToArray();
    private const int MaxDeviceBytes = 64 * 1024;
    private const byte ResumeFlag = 0x80;

    public static byte[] Encode(SessionHello hello)
    {
        var busId = Encoding.UTF8.GetBytes(hello.BusId);
        if (busId.Length > byte.MaxValue)
        {
            throw new ArgumentException("A bus id takes at most 255 bytes", nameof(hello));
        }

        var bytes = new byte[4 + 16 + 1 + 8 + 1 + busId.Length];
        Magic.CopyTo(bytes, 0);
        hello.SessionId.TryWriteBytes(bytes.AsSpan(4), bigEndian: true, out _);
        bytes[20] = (byte)((byte)hello.Kind | (hello.Resume ? ResumeFlag : 0));
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(21), hello.Delivered);
        bytes[29] = (byte)busId.Length;
        busId.CopyTo(bytes, 30);
        return bytes;
    }

    /// <exception cref="InvalidDataException">Not a session hello.</exception>
    public static async Task<SessionHello> ReadHelloAsync(ILane lane, CancellationToken cancellationToken)
    {
        var head = await ReadAsync(lane, 30, cancellationToken).ConfigureAwait(false);
        if (!head.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw new InvalidDataException("the lane does not start with a session hello");
        }

        var kind = (byte)(head[20] & ~ResumeFlag);
        if (kind > (byte)SessionLaneKind.Bulk)
        {
            throw new InvalidDataException($"lane kind {kind} is unknown");
        }

        var delivered = BinaryPrimitives.ReadInt64BigEndian(head.AsSpan(21));
        if (delivered < 0)
        {
            throw new InvalidDataException("a negative count of delivered messages");
        }

        var busId = Encoding.UTF8.GetString(await ReadAsync(lane, head[29], cancellationToken).ConfigureAwait(false));
        return new SessionHello(new Guid(head.AsSpan(4, 16), bigEndian: true), (SessionLaneKind)kind, delivered, busId, (head[20] & ResumeFlag) != 0);
    }

    public static byte[] Encode(SessionWelcome welcome)
    {
        var reason = Encoding.UTF8.GetBytes(welcome.Reason.Length > 1000 ? welcome.Reason[..1000] : welcome.Reason);
        var device = welcome.Device is null ? [] : Encode(welcome.Device);
        var bytes = new byte[1 + 8 + 2 + reason.Length + 4 + device.Length];
        bytes[0] = (byte)welcome.Outcome;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), welcome.Delivered);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(9), (ushort)reason.Length);
        reason.CopyTo(bytes, 11);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(11 + reason.Length), device.Length);
        device.CopyTo(bytes, 15 + reason.Length);
        return bytes;
    }

    /// <exception cref="InvalidDataException">Not a session welcome.</exception>
    public static async Task<SessionWelcome> ReadWelcomeAsync(ILane lane, CancellationToken cancellationToken)
    {
        var head = await ReadAsync(lane, 11, cancellationToken).ConfigureAwait(false);
        if (head[0] > (byte)SessionOutcome.Ended)
        {
            throw new InvalidDataException($"session outcome {head[0]} is unknown");
        }

        var delivered = BinaryPrimitives.ReadInt64BigEndian(head.AsSpan(1));
        var reason = Encoding.UTF8.GetString(await ReadAsync(lane, BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(9)), cancellationToken).ConfigureAwait(false));
        var length = BinaryPrimitives.ReadInt32BigEndian(await ReadAsync(lane, 4, cancellationToken).ConfigureAwait(false));
        if (length is < 0 or > MaxDeviceBytes)
        {
            throw new InvalidDataException($"a device description of {length} bytes");
        }

        var device = length == 0 ? null : DecodeDevice(await ReadAsync(lane, length, cancellationToken).ConfigureAwait(false));
        return new SessionWelcome((SessionOutcome)head[0], delivered, reason, device);
    }

    private static byte[] Encode(SessionDevice device)
    {
        using var output = new MemoryStream();
        output.WriteByte(device.Speed);
        output.WriteByte(device.ActiveConfiguration);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, device.DevId);
        output.Write(word);
        output.Write(device.DeviceDescriptor);
        output.WriteByte((byte)device.Configurations.Count);
        foreach (var configuration in device.Configurations)
        {
            BinaryPrimitives.WriteUInt16BigEndian(word, (ushort)configuration.Length);
            output.Write(word[..2]);
            output.Write(configuration);
        }

        return output.ToArray();
    }

    private static SessionDevice DecodeDevice(byte[] bytes)
    {
        var at = 0;
        ReadOnlySpan<byte> Take(int count)
        {
            if (at + count > bytes.Length)
            {
                throw new InvalidDataException("a truncated device description");
            }

            at += count;
            return bytes.AsSpan(at - count, count);
        }

        var speed = Take(1)[0];
        var active = Take(1)[0];
        var devId = BinaryPrimitives.ReadUInt32BigEndian(Take(4));
        var descriptor = Take(18).ToArray();
        var count = Take(1)[0];
        var configurations = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            configurations.Add(Take(BinaryPrimitives.ReadUInt16BigEndian(Take(2))).ToArray());
        }

        return new SessionDevice(speed, active, devId, descriptor, configurations);
    }

    private static async Task<byte[]> ReadAsync(ILane lane, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await lane.ReadExactlyAsync(buffer, cancellationToken, "the lane ended inside the session handshake").ConfigureAwait(false);
        return buffer;
    }
}
