using System.Buffers;

namespace UsbMesh.UsbIp.Tests;

internal delegate UsbIpParseResult ParseFn(
    ref ReadOnlySequence<byte> buffer,
    out UsbIpMessage? message,
    out UsbIpProtocolException? error);

/// <summary>Helpers to drive the parsers over sequences cut in every possible way.</summary>
internal static class Wire
{
    public static byte[] Write(UsbIpMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        UsbIpWriter.Write(message, output);
        return output.WrittenSpan.ToArray();
    }

    public static ParseFn OpServer(UsbIpLimits? limits = null) => Op(new UsbIpOpParser(UsbIpRole.Server, limits));

    public static ParseFn OpClient(UsbIpLimits? limits = null) => Op(new UsbIpOpParser(UsbIpRole.Client, limits));

    public static ParseFn UrbServer(bool iso = false, UsbIpLimits? limits = null) =>
        Urb(UsbIpUrbParser.ForServer((_, _, _) => iso, limits));

    public static ParseFn UrbClient(IReadOnlyDictionary<uint, UsbIpSubmitInfo> pending, UsbIpLimits? limits = null) =>
        Urb(UsbIpUrbParser.ForClient((uint seqnum, out UsbIpSubmitInfo info) => pending.TryGetValue(seqnum, out info), limits));

    public static ParseFn Op(UsbIpOpParser parser) =>
        (ref ReadOnlySequence<byte> buffer, out UsbIpMessage? message, out UsbIpProtocolException? error) =>
        {
            var result = parser.TryParse(ref buffer, out var op, out error);
            message = op;
            return result;
        };

    public static ParseFn Urb(UsbIpUrbParser parser) =>
        (ref ReadOnlySequence<byte> buffer, out UsbIpMessage? message, out UsbIpProtocolException? error) =>
        {
            var result = parser.TryParse(ref buffer, out var urb, out error);
            message = urb;
            return result;
        };

    /// <summary>A sequence with one segment per chunk.</summary>
    public static ReadOnlySequence<byte> Segments(params ReadOnlyMemory<byte>[] chunks)
    {
        if (chunks.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes) =>
        bytes.Length == 0 ? ReadOnlySequence<byte>.Empty : Segments([.. bytes.Select((_, i) => new ReadOnlyMemory<byte>(bytes, i, 1))]);

    /// <summary>
    /// Parses <paramref name="bytes"/> as exactly one message, whole, split at every position, fed one byte at a time
    /// and followed by another byte; asserts the result never depends on the cut and re-encodes to the same bytes.
    /// </summary>
    public static T ParsesExactly<T>(ParseFn parse, byte[] bytes)
        where T : UsbIpMessage
    {
        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(UsbIpParseResult.Parsed, parse(ref whole, out var message, out var error));
        Assert.Null(error);
        Assert.True(whole.IsEmpty);
        var parsed = Assert.IsAssignableFrom<T>(message);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Write(parsed)));

        for (var split = 1; split < bytes.Length; split++)
        {
            var buffer = Segments(bytes.AsMemory(0, split), bytes.AsMemory(split));
            Assert.Equal(UsbIpParseResult.Parsed, parse(ref buffer, out var again, out _));
            Assert.True(buffer.IsEmpty);
            Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Write(again!)));
        }

        var oneByOne = OneBytePerSegment(bytes);
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = oneByOne.Slice(0, length);
            Assert.Equal(UsbIpParseResult.NeedMoreData, parse(ref prefix, out var none, out var noError));
            Assert.Null(none);
            Assert.Null(noError);
            Assert.Equal(length, prefix.Length);
        }

        var all = oneByOne;
        Assert.Equal(UsbIpParseResult.Parsed, parse(ref all, out var last, out _));
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Write(last!)));

        var trailing = new ReadOnlySequence<byte>([.. bytes, 0xA5]);
        Assert.Equal(UsbIpParseResult.Parsed, parse(ref trailing, out _, out _));
        Assert.Equal(1, trailing.Length);
        return parsed;
    }

    /// <summary>Parses and asserts a protocol error with the given reason.</summary>
    public static UsbIpProtocolException Fails(ParseFn parse, byte[] bytes, UsbIpErrorReason reason)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(UsbIpParseResult.Error, parse(ref buffer, out var message, out var error));
        Assert.Null(message);
        Assert.NotNull(error);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(bytes.Length, buffer.Length);
        return error;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
