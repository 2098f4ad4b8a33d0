using System.Buffers;
using UsbMesh.TestKit.Fuzzing;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.UsbIp.Tests;

/// <summary>
/// Coverage of the whole codec by mutation: valid PDUs of every kind (operations, URB commands and replies, ISO with
/// descriptors, back-to-back streams) are mutated and fed to every parser, whole and split at a random point as a
/// socket would deliver them. Each input must parse, ask for more bytes or fail with a
/// <see cref="UsbIpProtocolException"/>; never throw; never allocate past what the configured caps allow; give the
/// same messages however it is split; and every message that parses must write back to the bytes it was parsed
/// from, up to the padding and unused fields the writer zeroes.
/// </summary>
/// <remarks>Budget and replay: <see cref="FuzzSettings"/> (USBMESH_FUZZ_SECONDS, default 2.5 s here).</remarks>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    /// <summary>
    /// The most one parse call may allocate: the largest payload the caps admit (transfer buffer plus ISO
    /// descriptors, or a device list) and a fixed allowance for the message records themselves.
    /// </summary>
    private static readonly long AllocationCap =
        FuzzTests.Limits.MaxTransferBufferLength + (FuzzTests.Limits.MaxIsoPackets * 64) +
        (FuzzTests.Limits.MaxDevices * (512 + (FuzzTests.Limits.MaxInterfaces * 32))) + 16 * 1024;

    private static readonly Func<ParseFn>[] Parsers =
    [
        () => Wire.OpServer(FuzzTests.Limits),
        () => Wire.OpClient(FuzzTests.Limits),
        () => Wire.UrbServer(iso: false, FuzzTests.Limits),
        () => Wire.UrbServer(iso: true, FuzzTests.Limits),
        () => Wire.UrbClient(FuzzTests.Pending, FuzzTests.Limits),
        Connection,
    ];

    private static readonly byte[][] Corpus = [.. FuzzTests.Seeds, .. Written()];

    [Fact]
    public void Mutated_pdus_parse_round_trip_or_fail_with_a_protocol_error()
    {
        // Warm up (JIT) so the first inputs' allocations are the parser's alone.
        foreach (var seed in Corpus)
        {
            Check(new Input(seed, seed.Length / 2));
        }

        FuzzLoop.Run(
            "usbip",
            FuzzSettings.FromEnvironment(),
            random =>
            {
                var bytes = ByteMutator.Mutate(Corpus, random);
                return new Input(bytes, random.Next(bytes.Length + 1));
            },
            Check,
            input => $"{Convert.ToHexString(input.Bytes)} split at {input.Split}",
            output.WriteLine);
    }

    [Theory]
    [InlineData("0111800300000000312D6DD610DF11B9EDDEA438DE1D89652D6DD610DF11B9EDDEA438DE1D8965E3310000000000008D000000000000000000000000E3310000000000008D00000000000000000000000000000000000000200000", 4)]
    [InlineData("0111800300000000312D31A55726AA6283267C5C11526CBABB23E028B56C5BE56BE310F023FB2F6E780000000000000000000000000000000007000010000000000000000000", 40)]
    public void Regression_a_bus_id_without_a_terminator_parses_to_one_the_writer_accepts(string hex, int split)
    {
        // Found by the fuzzer (seed 1): a 32-byte bus id with no NUL parsed to 32 characters, which the writer refuses.
        Check(new Input(Convert.FromHexString(hex), split));
        var buffer = new ReadOnlySequence<byte>(Convert.FromHexString(hex));
        Assert.Equal(UsbIpParseResult.Parsed, Wire.OpServer()(ref buffer, out var message, out _));
        Assert.Equal(31, Assert.IsType<UsbIpImportRequest>(message).BusId.Length);
    }

    private static void Check(Input input)
    {
        foreach (var parser in Parsers)
        {
            var whole = Feed(parser(), input.Bytes, input.Bytes.Length);
            var split = Feed(parser(), input.Bytes, input.Split);
            Assert.Equal(whole, split);
        }
    }

    /// <summary>
    /// Feeds <paramref name="bytes"/> as a stream that first delivers <paramref name="split"/> bytes, then the rest;
    /// returns what was parsed (each message's bytes) and how the stream ended.
    /// </summary>
    private static List<string> Feed(ParseFn parse, byte[] bytes, int split)
    {
        var events = new List<string>();
        var offset = 0;
        var available = split;
        while (true)
        {
            var buffer = Wire.Segments(bytes.AsMemory(offset, Math.Max(0, Math.Min(split, available) - offset)), bytes.AsMemory(Math.Max(offset, split), available - Math.Max(offset, split)));
            var before = buffer.Length;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var result = parse(ref buffer, out var message, out var error);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (allocated > AllocationCap)
            {
                Assert.Fail($"one parse allocated {allocated} bytes (cap {AllocationCap})");
            }

            switch (result)
            {
                case UsbIpParseResult.Parsed:
                    Assert.NotNull(message);
                    Assert.Null(error);
                    var consumed = (int)(before - buffer.Length);
                    Assert.True(consumed > 0, "parsed without consuming");
                    var written = Wire.Write(message);
                    RoundTrips(parse, bytes.AsSpan(offset, consumed), written);
                    events.Add(Convert.ToHexString(written));
                    offset += consumed;
                    break;
                case UsbIpParseResult.NeedMoreData:
                    Assert.Null(message);
                    Assert.Null(error);
                    Assert.Equal(before, buffer.Length);
                    if (available == bytes.Length)
                    {
                        events.Add($"needs more after {bytes.Length - offset}");
                        return events;
                    }

                    available = bytes.Length;
                    break;
                case UsbIpParseResult.Error:
                    Assert.Null(message);
                    Assert.NotNull(error);
                    Assert.False(string.IsNullOrEmpty(error.Message));
                    // An error may be reported as soon as a header is readable, so where it is seen depends on the split.
                    events.Add($"error {error.Reason}");
                    return events;
                default:
                    throw new InvalidOperationException($"unknown result {result}");
            }
        }
    }

    /// <summary>
    /// The re-encoding of a parsed message has the length it was parsed from and differs from it only where the
    /// writer puts zeros (padding and fields the protocol leaves unused, which the parsers ignore); and it is a
    /// fixed point: parsed again, it writes the same bytes.
    /// </summary>
    private static void RoundTrips(ParseFn parse, ReadOnlySpan<byte> input, byte[] written)
    {
        Assert.Equal(input.Length, written.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != written[i] && written[i] != 0)
            {
                Assert.Fail($"re-encoded byte {i} is {written[i]:x2}, parsed from {input[i]:x2}: {Convert.ToHexString(input)} -> {Convert.ToHexString(written)}");
            }
        }

        var again = new ReadOnlySequence<byte>(written);
        if (parse(ref again, out var reparsed, out _) == UsbIpParseResult.Parsed)
        {
            Assert.Equal(Convert.ToHexString(written), Convert.ToHexString(Wire.Write(reparsed!)));
        }
    }

    /// <summary>A server connection: operations until an import, then URBs, as usbipd moves on.</summary>
    private static ParseFn Connection()
    {
        var parser = new UsbIpServerConnectionParser((_, _, ep) => ep % 2 == 1, FuzzTests.Limits);
        return (ref ReadOnlySequence<byte> buffer, out UsbIpMessage? message, out UsbIpProtocolException? error) =>
        {
            var result = parser.TryParse(ref buffer, out message, out error);
            if (result == UsbIpParseResult.Parsed && message is UsbIpImportRequest)
            {
                parser.EnterUrbPhase();
            }

            return result;
        };
    }

    /// <summary>Messages built in code (the round-trip cases) as more seeds: ISO with descriptors, unlinks, device lists.</summary>
    private static IEnumerable<byte[]> Written()
    {
        var device = new UsbIpDevice("/sys/bus/usb/devices/1-1", "1-1", 1, 4, 3, 0x0781, 0x5581, 0x0100, 0, 0, 0, 1, 1, 2);
        yield return Wire.Write(new UsbIpImportReply(0, device));
        yield return Wire.Write(new UsbIpDevListReply(0, [new UsbIpExportedDevice(device, [new UsbIpInterface(8, 6, 80), new UsbIpInterface(3, 1, 1)])]));
        yield return Wire.Write(new UsbIpCmdSubmit(
            1, 0x00010004, UsbIpDirection.Out, 1, 0x2, 6, 100, 2, 1, default, new byte[] { 1, 2, 3, 4, 5, 6 },
            [new UsbIpIsoPacketDescriptor(0, 3, 0, 0), new UsbIpIsoPacketDescriptor(3, 3, 0, 0)]));
        yield return Wire.Write(new UsbIpCmdSubmit(12, 1, UsbIpDirection.In, 0, 0x200, 64, 0, 0, 0, new SetupPacket(0x80, 6, 0x200, 0, 64), default, default));
        yield return Wire.Write(new UsbIpCmdUnlink(11, 1, UsbIpDirection.Out, 0, 10));
    }

    private sealed record Input(byte[] Bytes, int Split);
}
