using System.Buffers;

namespace UsbMesh.UsbIp.Tests;

/// <summary>
/// Random and mutated byte strings with a fixed seed: every parser answers Parsed, NeedMoreData or Error with a
/// <see cref="UsbIpProtocolException"/>, never throws, and always makes progress or stops.
/// </summary>
public sealed class FuzzTests
{
    internal static readonly UsbIpLimits Limits = new() { MaxTransferBufferLength = 4096, MaxIsoPackets = 16, MaxDevices = 4, MaxInterfaces = 4 };

    internal static readonly Dictionary<uint, UsbIpSubmitInfo> Pending = new()
    {
        [0] = new(UsbIpDirection.In, false, 64),
        [1] = new(UsbIpDirection.In, true, 4096, 16),
        [2] = new(UsbIpDirection.Out, true, 4096, 16),
        [0x0d05] = new(UsbIpDirection.In, false, 64),
    };

    private static readonly ParseFn[] Parsers =
    [
        Wire.OpServer(Limits),
        Wire.OpClient(Limits),
        Wire.UrbServer(iso: false, Limits),
        Wire.UrbServer(iso: true, Limits),
        Wire.UrbClient(Pending, Limits),
        ConnectionParser(),
    ];

    internal static readonly byte[][] Seeds =
    [
        Hex.Parse("0111 8005 00000000"),
        Hex.Parse("0111 8003 00000000 \"1-1\":32"),
        Hex.Parse("0111 0005 00000000 00000001 {00*311} 01 03010100"),
        Hex.Parse("0111 0003 00000000 {00*312}"),
        Hex.Parse("00000001 00000d06 0001000f 00000000 00000001 00000000 00000010 ffffffff 00000000 00000004 {00*8} {ab*16}"),
        Hex.Parse("00000001 00000001 0001000f 00000001 00000001 00000000 00000010 00000000 00000002 00000004 {00*8} {00*32}"),
        Hex.Parse("00000003 00000001 {00*12} 00000000 00000003 00000000 00000001 00000000 {00*8} 010203 00000000 00000010 00000003 00000000"),
        Hex.Parse("00000002 00000003 {00*12} 00000002 {00*24}"),
        Hex.Parse("00000004 00000003 {00*12} ffffff98 {00*24}"),
    ];

    [Fact]
    public void Random_byte_strings_only_parse_need_more_data_or_fail_cleanly()
    {
        var random = new Random(0x05B1);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (i % 3 == 0 && bytes.Length >= 4)
            {
                // Give a third of them a plausible start, so the deeper paths are reached.
                var prefix = Seeds[random.Next(Seeds.Length)];
                prefix.AsSpan(0, Math.Min(prefix.Length, bytes.Length) / 2).CopyTo(bytes);
            }

            Drive(bytes);
        }
    }

    [Fact]
    public void Mutated_valid_messages_only_parse_need_more_data_or_fail_cleanly()
    {
        var random = new Random(0x1111);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = Seeds[random.Next(Seeds.Length)].ToArray();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var cut = random.Next(bytes.Length + 1);
            Drive(bytes[..cut]);
            Drive(bytes);
        }
    }

    private static void Drive(byte[] bytes)
    {
        foreach (var parse in Parsers)
        {
            var buffer = Wire.Segments(bytes.AsMemory(0, bytes.Length / 2), bytes.AsMemory(bytes.Length / 2));
            for (var guard = 0; guard < 1000; guard++)
            {
                var before = buffer.Length;
                UsbIpParseResult result;
                UsbIpMessage? message;
                UsbIpProtocolException? error;
                try
                {
                    result = parse(ref buffer, out message, out error);
                }
                catch (Exception e)
                {
                    Assert.Fail($"{e.GetType().Name} thrown for {Convert.ToHexString(bytes)}: {e}");
                    return;
                }

                if (result == UsbIpParseResult.Parsed)
                {
                    Assert.NotNull(message);
                    Assert.True(buffer.Length < before);
                    continue;
                }

                if (result == UsbIpParseResult.Error)
                {
                    Assert.NotNull(error);
                    Assert.False(string.IsNullOrEmpty(error.Message));
                }
                else
                {
                    Assert.Equal(UsbIpParseResult.NeedMoreData, result);
                    Assert.Equal(before, buffer.Length);
                }

                break;
            }
        }
    }

    private static ParseFn ConnectionParser()
    {
        return (ref ReadOnlySequence<byte> buffer, out UsbIpMessage? message, out UsbIpProtocolException? error) =>
        {
            // A fresh connection each time; after an import it moves on to URBs, as a server would.
            var parser = new UsbIpServerConnectionParser((_, _, ep) => ep % 2 == 1, Limits);
            var result = parser.TryParse(ref buffer, out message, out error);
            if (result == UsbIpParseResult.Parsed && message is UsbIpImportRequest)
            {
                parser.EnterUrbPhase();
                var rest = buffer;
                if (parser.TryParse(ref rest, out var next, out var nextError) == UsbIpParseResult.Error)
                {
                    Assert.NotNull(nextError);
                }
                else if (next is not null)
                {
                    Assert.True(rest.Length < buffer.Length);
                }
            }

            return result;
        };
    }
}
