using System.Buffers;
using UsbMesh.Mesh.Remote.Wire;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests.Remote;

/// <summary>The control lane's framing: what is written reads back, and what is malformed is refused with a reason.</summary>
public sealed class RemoteFrameTests
{
    [Fact]
    public void A_message_frame_reads_back_field_for_field()
    {
        var output = new ArrayBufferWriter<byte>();
        var start = RemoteFrameCodec.BeginFrame(output, FrameKind.Message, "usbmesh://A/user/echo#7", "usbmesh://B/user/probe#9");
        RemoteFrameCodec.WriteMessageHeader(output, 1, "test.hello");
        output.Write("payload"u8);
        var size = RemoteFrameCodec.EndFrame(output, start);

        Assert.Equal(output.WrittenCount, size);
        Assert.Equal((uint)(size - 4), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(output.WrittenSpan));
        Assert.True(RemoteFrameCodec.TryDecode(output.WrittenMemory[4..], out var frame, out var error), error);
        Assert.Equal(FrameKind.Message, frame.Kind);
        Assert.Equal("usbmesh://A/user/echo#7", frame.Target);
        Assert.Equal("usbmesh://B/user/probe#9", frame.Origin);
        Assert.Equal(1, frame.SerializerId);
        Assert.Equal("test.hello", frame.Manifest);
        Assert.Equal("payload"u8.ToArray(), frame.Payload.ToArray());
    }

    [Fact]
    public void Every_truncation_of_a_termination_frame_is_refused_with_a_reason()
    {
        var output = new ArrayBufferWriter<byte>();
        var start = RemoteFrameCodec.BeginFrame(output, FrameKind.Terminated, "usbmesh://A/user/w", "usbmesh://B/user/x");
        RemoteFrameCodec.WriteFlag(output, true);
        RemoteFrameCodec.EndFrame(output, start);
        var body = output.WrittenMemory[4..];

        Assert.True(RemoteFrameCodec.TryDecode(body, out var whole, out _));
        Assert.True(whole.ExistenceConfirmed);
        for (var length = 0; length < body.Length; length++)
        {
            Assert.False(RemoteFrameCodec.TryDecode(body[..length], out _, out var error));
            Assert.NotEmpty(error);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0 }, "unknown frame kind 0")]
    [InlineData(new byte[] { 9, 0, 0, 0, 0 }, "unknown frame kind 9")]
    [InlineData(new byte[] { 2, 0, 1, 0xFF, 0, 0 }, "a truncated Watch frame")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 42 }, "1 stray bytes after a Watch frame")]
    public void Malformed_bodies_are_named(byte[] body, string expected)
    {
        Assert.False(RemoteFrameCodec.TryDecode(body, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task A_frame_longer_than_the_limit_is_refused_before_it_is_buffered()
    {
        var lane = new ScriptedLane([0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        var reader = new LaneFrameReader(lane, maxFrameBody: 1024);

        var refused = await Assert.ThrowsAsync<RemoteProtocolException>(async () => await reader.ReadFrameAsync(default));

        Assert.Contains("2147483647 bytes exceeds the limit of 1024", refused.Message);
    }

    [Fact]
    public async Task Frames_split_across_reads_and_packed_into_one_are_cut_right()
    {
        byte[] two = [0, 0, 0, 2, 0xA1, 0xA2, 0, 0, 0, 1, 0xB1];
        var lane = new ScriptedLane(two, chunk: 3);
        var reader = new LaneFrameReader(lane, maxFrameBody: 1024);

        Assert.Equal(new byte[] { 0xA1, 0xA2 }, (await reader.ReadFrameAsync(default))!.Value.ToArray());
        Assert.Equal(new byte[] { 0xB1 }, (await reader.ReadFrameAsync(default))!.Value.ToArray());
        Assert.Null(await reader.ReadFrameAsync(default));
    }

    [Fact]
    public async Task A_lane_that_ends_inside_a_frame_is_a_protocol_error()
    {
        var reader = new LaneFrameReader(new ScriptedLane([0, 0, 0, 5, 1, 2]), maxFrameBody: 1024);

        await Assert.ThrowsAsync<RemoteProtocolException>(async () => await reader.ReadFrameAsync(default));
    }

    /// <summary>A lane that yields fixed bytes, a few at a time, then its end.</summary>
    private sealed class ScriptedLane(byte[] bytes, int chunk = int.MaxValue) : ILane
    {
        private int _position;

        public uint Id => 1;

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = Math.Min(Math.Min(chunk, buffer.Length), bytes.Length - _position);
            bytes.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public void Complete()
        {
        }
    }
}
