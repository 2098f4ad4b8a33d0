using System.Buffers.Binary;
using System.Text.RegularExpressions;
using UsbMesh.Mesh.Mux;
using UsbMesh.TestKit.Fuzzing;
using Xunit.Abstractions;

namespace UsbMesh.Mesh.Tests;

/// <summary>
/// Mutation fuzz of the multiplexer's frame reader and demultiplexer: mutated frame streams (lane openings, data,
/// credit, close, ping, pong, back to back), delivered in reads cut at random points, to a multiplexer that has
/// opened a lane of its own. The connection must end, within a bound, with one of the documented reasons (the
/// stream ended or a named protocol violation), and a frame longer than the maximum must fail the connection before
/// a byte of its payload is read.
/// </summary>
/// <remarks>Budget and replay: <see cref="FuzzSettings"/> (USBMESH_FUZZ_SECONDS, default 2.5 s here).</remarks>
public sealed partial class MuxFuzzTests(ITestOutputHelper output)
{
    private static readonly MultiplexerOptions Options = new()
    {
        MaxFrameSize = 4096,
        LaneWindow = 8192,
        MaxLanes = 4,
        HeartbeatInterval = TimeSpan.FromMinutes(5),
        IdleTimeout = TimeSpan.FromMinutes(10),
    };

    private static readonly TimeSpan InputBound = TimeSpan.FromSeconds(2);

    private static readonly byte[][] Corpus =
    [
        Frames((1, 2, []), (1, 2, [1, 2, 3]), (2, 1, Credit(100)), (3, 2, []), (4, 0, []), (5, 0, [])),
        Frames((1, 2, new byte[300]), (1, 4, [9]), (1, 2, new byte[4096]), (2, 2, Credit(4096))),
        Frames((4, 0, []), (4, 0, []), (1, 6, [7]), (3, 6, []), (3, 1, []), (2, 1, Credit(1))),
        Frames((1, 2, [1]), (1, 4, [2]), (1, 6, [3]), (1, 8, [4]), (1, 10, [5])),
        Frames((1, 2, new byte[4096]), (1, 2, new byte[4096]), (1, 2, [1])),
        Frames((5, 0, []), (2, 1, Credit(int.MaxValue)), (2, 1, Credit(-1))),
    ];

    [Fact]
    public void Mutated_frame_streams_end_with_a_documented_reason()
    {
        FuzzLoop.Run(
            "mux",
            FuzzSettings.FromEnvironment(),
            random =>
            {
                var bytes = ByteMutator.Mutate(Corpus, random);
                return new Input(bytes, 1 + random.Next(64));
            },
            Check,
            input => $"{Convert.ToHexString(input.Bytes)} read in chunks of at most {input.Chunk}",
            output.WriteLine,
            inputTimeout: TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_negative_credit_fails_the_connection_instead_of_the_lanes_writer()
    {
        // Found by reasoning over the fuzzer's credit seeds: a grant of -1 made the lane's next write cut a chunk of
        // negative length and throw ArgumentOutOfRangeException to its caller.
        var transport = new FeedStream(Frames((2, 1, Credit(-1))), 64);
        var mux = new Multiplexer(transport, Options, initiator: true);
        var lane = mux.OpenLane();
        mux.Start();
        var reason = await mux.Completion.WaitAsync(InputBound);
        Assert.Contains("impossible credit", reason);
        await Assert.ThrowsAsync<MuxException>(() => lane.WriteAsync(new byte[10]).AsTask());
        await mux.DisposeAsync();
    }

    [Fact]
    public async Task A_credit_that_overflows_the_window_fails_the_connection()
    {
        var transport = new FeedStream(Frames((2, 1, Credit(int.MaxValue))), 64);
        var mux = new Multiplexer(transport, Options, initiator: true);
        _ = mux.OpenLane();
        mux.Start();
        Assert.Contains("impossible credit", await mux.Completion.WaitAsync(InputBound));
        await mux.DisposeAsync();
    }

    private static void Check(Input input)
    {
        var transport = new FeedStream(input.Bytes, input.Chunk);
        var mux = new Multiplexer(transport, Options, initiator: true);
        _ = mux.OpenLane();
        mux.Start();
        if (!mux.Completion.Wait(InputBound))
        {
            throw new TimeoutException($"the connection did not end within {InputBound.TotalSeconds} s (hang, or its read loop died)");
        }

        var reason = mux.Completion.Result;
        Assert.Matches(Documented(), reason);
        var oversized = Oversized().Match(reason);
        if (oversized.Success)
        {
            // The header was the last thing read: no payload was read or allocated for it.
            var length = int.Parse(oversized.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(transport.Position >= MuxHeaderSize);
            Assert.Equal(length, BinaryPrimitives.ReadInt32BigEndian(input.Bytes.AsSpan((int)transport.Position - 4, 4)));
        }

        mux.DisposeAsync().AsTask().Wait(InputBound);
    }

    private const int MuxHeaderSize = 9;

    [GeneratedRegex("^(the peer closed the connection|the peer sent a frame of -?\\d+ bytes; the most allowed is 4096|" +
        "the peer sent more than its credit on lane \\d+|the peer sent data on lane \\d+, which it did not open|" +
        "the peer opened more than 4 lanes|the peer sent a frame of unknown type \\d+|" +
        "the peer granted an impossible credit on lane \\d+)$")]
    private static partial Regex Documented();

    [GeneratedRegex("^the peer sent a frame of (-?\\d+) bytes")]
    private static partial Regex Oversized();

    private static byte[] Credit(int credit)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, credit);
        return payload;
    }

    private static byte[] Frames(params (byte Type, uint Lane, byte[] Payload)[] frames)
    {
        var bytes = new List<byte>();
        foreach (var (type, lane, payload) in frames)
        {
            var header = new byte[MuxHeaderSize];
            header[0] = type;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), lane);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(5), payload.Length);
            bytes.AddRange(header);
            bytes.AddRange(payload);
        }

        return [.. bytes];
    }

    private sealed record Input(byte[] Bytes, int Chunk);

    /// <summary>The peer's side of the transport: the input, in reads of at most a chunk; what is written is dropped.</summary>
    private sealed class FeedStream(byte[] input, int chunk) : Stream
    {
        private int _position;
        private bool _disposed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => input.Length;

        public override long Position
        {
            get => Volatile.Read(ref _position);
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var count = Math.Min(Math.Min(buffer.Length, chunk), input.Length - _position);
            input.AsSpan(_position, count).CopyTo(buffer);
            Volatile.Write(ref _position, _position + count);
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _disposed = true;
            base.Dispose(disposing);
        }
    }
}
