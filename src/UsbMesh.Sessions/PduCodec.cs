using System.Buffers;
using UsbMesh.UsbIp;

namespace UsbMesh.Sessions;

/// <summary>One USB/IP PDU per session message: written whole into an array of its exact size, parsed whole.</summary>
internal static class PduCodec
{
    public static byte[] Encode(UsbIpMessage message)
    {
        // Sized up front: a 64 KiB URB written into a growing buffer costs several copies and zeroed arrays.
        var output = new ExactWriter(SizeOf(message));
        UsbIpWriter.Write(message, output);
        return output.Result();
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

    private static int SizeOf(UsbIpMessage message) => UsbIpConstants.UrbHeaderLength + message switch
    {
        UsbIpCmdSubmit submit => submit.Data.Length + (submit.IsoPackets.Length * UsbIpConstants.IsoPacketDescriptorLength),
        UsbIpRetSubmit reply => reply.Data.Length + (reply.IsoPackets.Length * UsbIpConstants.IsoPacketDescriptorLength),
        _ => 0,
    };

    /// <summary>Writes into one array; grows (by copying) only if the size given was short.</summary>
    /// <remarks>Not zeroed first: every byte handed out (<see cref="Result"/>) has been written.</remarks>
    private sealed class ExactWriter(int size) : IBufferWriter<byte>
    {
        private byte[] _buffer = GC.AllocateUninitializedArray<byte>(size);
        private int _written;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_written);
        }

        public byte[] Result() => _written == _buffer.Length ? _buffer : _buffer[.._written];

        private void Ensure(int sizeHint)
        {
            if (_buffer.Length - _written < Math.Max(sizeHint, 1))
            {
                Array.Resize(ref _buffer, _written + Math.Max(sizeHint, 256));
            }
        }
    }
}
