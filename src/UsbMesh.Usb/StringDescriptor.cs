using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>
/// String descriptors (USB 2.0 §9.6.7): <c>bLength 03</c> then UTF-16LE code units. String index 0 is special: its
/// body is the list of supported LANGIDs (16-bit, e.g. 0x0409 US English) instead of text.
/// </summary>
/// <param name="Text">The text (at most <see cref="MaxChars"/> UTF-16 code units).</param>
public sealed record StringDescriptor(string Text) : UsbDescriptor
{
    /// <summary>Most UTF-16 code units a string descriptor holds: (255 - 2) / 2.</summary>
    public const int MaxChars = 126;

    /// <summary>LANGID for English (United States).</summary>
    public const ushort LanguageEnglishUnitedStates = 0x0409;

    /// <inheritdoc />
    public override byte DescriptorType => DescriptorTypes.String;

    /// <inheritdoc />
    public override int Length => 2 + (2 * Text.Length);

    /// <summary>Parses a text string descriptor (any index but 0).</summary>
    /// <param name="data">Exactly the descriptor bytes.</param>
    /// <exception cref="UsbDescriptorException">The bytes are not a valid string descriptor.</exception>
    public static StringDescriptor Parse(ReadOnlySpan<byte> data)
    {
        var body = ParseBody(data);
        var chars = new char[body.Length / 2];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(body[(2 * i)..]);
        }

        return new StringDescriptor(new string(chars));
    }

    /// <summary>Parses string descriptor 0: the supported language ids.</summary>
    /// <param name="data">Exactly the descriptor bytes.</param>
    /// <exception cref="UsbDescriptorException">The bytes are not a valid string descriptor.</exception>
    public static IReadOnlyList<ushort> ParseLanguageIds(ReadOnlySpan<byte> data)
    {
        var body = ParseBody(data);
        var ids = new ushort[body.Length / 2];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt16LittleEndian(body[(2 * i)..]);
        }

        return ids;
    }

    /// <summary>Builds string descriptor 0 listing <paramref name="languageIds"/>.</summary>
    /// <param name="languageIds">1..126 LANGIDs.</param>
    public static byte[] BuildLanguageIds(params ReadOnlySpan<ushort> languageIds)
    {
        if (languageIds.IsEmpty || languageIds.Length > MaxChars)
        {
            throw new ArgumentException($"String descriptor 0 lists 1..{MaxChars} language ids, got {languageIds.Length}.", nameof(languageIds));
        }

        var bytes = new byte[2 + (2 * languageIds.Length)];
        bytes[0] = (byte)bytes.Length;
        bytes[1] = DescriptorTypes.String;
        for (var i = 0; i < languageIds.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 + (2 * i)), languageIds[i]);
        }

        return bytes;
    }

    /// <inheritdoc />
    public override void WriteTo(Span<byte> destination)
    {
        if (Text.Length > MaxChars)
        {
            throw new InvalidOperationException($"A string descriptor holds at most {MaxChars} UTF-16 code units, the text has {Text.Length}.");
        }

        RequireSpace(destination, Length);
        destination[0] = (byte)Length;
        destination[1] = DescriptorTypes.String;
        for (var i = 0; i < Text.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 + (2 * i))..], Text[i]);
        }
    }

    private static ReadOnlySpan<byte> ParseBody(ReadOnlySpan<byte> data)
    {
        var reader = new DescriptorReader(data, 0);
        reader.RequireHeader(DescriptorTypes.String, 2, exact: false, "string");
        if (data[0] != data.Length)
        {
            throw reader.Error(0, "bLength", $"bLength is {data[0]} but the buffer holds {data.Length} bytes");
        }

        if ((data[0] & 1) != 0)
        {
            throw reader.Error(0, "bLength", $"{data[0]} is odd; UTF-16 code units are 2 bytes");
        }

        return data[2..];
    }
}
