using System.Buffers;
using UsbMesh.UsbIp;

namespace UsbMesh.Sessions;

/// <summary>One USB/IP PDU per session message: written whole, parsed whole.</summary>
internal static class PduCodec
{
    public static byte[] Encode(UsbIpMessage message)
    {
        var output = new ArrayBufferWriter<byte>(256);
        UsbIpWriter.Write(message, output);
        return output.WrittenSpan.ToArray();
    }

    /// <exception cref="UsbIpProtocolException">Not exactly one well-formed PDU.</exception>
    public static UsbIpUrbMessage Decode(UsbIpUrbParser parser, ReadOnlyMemory<byte> bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var outcome = parser.TryParse(ref buffer, out var message, out var error);
        if (outcome == UsbIpParseResult.Error)
        {
            throw error!;
        }

        if (outcome == UsbIpParseResult.NeedMoreData || !buffer.IsEmpty)
        {
            throw new UsbIpProtocolException(UsbIpErrorReason.InconsistentLength, $"a session message of {bytes.Length} bytes is not one whole PDU");
        }

        return message!;
    }
}
