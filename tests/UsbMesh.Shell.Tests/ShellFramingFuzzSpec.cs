using UsbMesh.TestKit.Fuzzing;
using Xunit.Abstractions;

namespace UsbMesh.Shell.Tests;

/// <summary>
/// Mutation fuzz of the shell framing: streams of mutated frames (every frame kind, back to back; the length
/// prefix, the JSON and its type discriminator all mutated) read with <see cref="ShellFraming.ReadAsync"/> until the
/// stream ends. Each read gives a frame, the clean end, or a <see cref="ShellProtocolException"/>; never another
/// exception; and a frame that is read encodes to JSON that decodes to the same encoding.
/// </summary>
/// <remarks>Budget and replay: <see cref="FuzzSettings"/> (USBMESH_FUZZ_SECONDS, default 2.5 s here).</remarks>
public sealed class ShellFramingFuzzSpec(ITestOutputHelper output)
{
    private static readonly byte[][] Corpus = [.. ShellFramingSpec.Frames().Cast<object[]>().Select(row => Framed((ShellFrame)row[0]))];

    [Fact]
    public void Mutated_frame_streams_give_frames_or_a_protocol_error()
    {
        FuzzLoop.Run(
            "shell",
            FuzzSettings.FromEnvironment(),
            random => ByteMutator.Mutate(Corpus, random),
            Check,
            Convert.ToHexString,
            output.WriteLine);
    }

    private static void Check(byte[] input)
    {
        using var stream = new MemoryStream(input, writable: false);
        while (true)
        {
            ShellFrame? frame;
            try
            {
                // A MemoryStream completes every read synchronously.
                frame = ShellFraming.ReadAsync(stream).AsTask().GetAwaiter().GetResult();
            }
            catch (ShellProtocolException)
            {
                return;
            }

            if (frame is null)
            {
                return;
            }

            var encoded = ShellFraming.Encode(frame);
            var again = ShellFraming.Encode(ShellFraming.Decode(encoded));
            Assert.Equal(Convert.ToHexString(encoded), Convert.ToHexString(again));
        }
    }

    private static byte[] Framed(ShellFrame frame)
    {
        using var stream = new MemoryStream();
        ShellFraming.WriteAsync(stream, frame).AsTask().GetAwaiter().GetResult();
        return stream.ToArray();
    }
}
