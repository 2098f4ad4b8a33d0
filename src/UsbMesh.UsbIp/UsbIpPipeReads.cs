using System.Buffers;
using System.IO.Pipelines;

namespace UsbMesh.UsbIp;

/// <summary>The shape of the codec's parsers' <c>TryParse</c>, so that one read loop serves each of them.</summary>
public delegate UsbIpParseResult UsbIpTryParse<TMessage>(ref ReadOnlySequence<byte> buffer, out TMessage? message, out UsbIpProtocolException? error)
    where TMessage : class;

/// <summary>Reading whole messages from a pipe with one of the codec's parsers.</summary>
public static class UsbIpPipeReads
{
    /// <summary>
    /// Reads the next message <paramref name="parse"/> finds, leaving whatever follows it in <paramref name="reader"/>.
    /// </summary>
    /// <exception cref="UsbIpProtocolException">The bytes are not a message of the protocol.</exception>
    /// <exception cref="EndOfStreamException">The other side closed the connection before a whole message came.</exception>
    public static async Task<TMessage> ReadOneAsync<TMessage>(PipeReader reader, UsbIpTryParse<TMessage> parse, CancellationToken cancellationToken)
        where TMessage : class
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            switch (parse(ref buffer, out var message, out var error))
            {
                case UsbIpParseResult.Error:
                    reader.AdvanceTo(buffer.Start);
                    throw error!;
                case UsbIpParseResult.Parsed:
                    reader.AdvanceTo(buffer.Start);
                    return message!;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException(buffer.IsEmpty
                    ? "the server closed the connection without a reply"
                    : $"the server closed the connection in the middle of its reply ({buffer.Length} bytes)");
            }
        }
    }
}
