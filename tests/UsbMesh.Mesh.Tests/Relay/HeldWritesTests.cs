using UsbMesh.Mesh.Tls;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests.Relay;

/// <summary>
/// Under a relayed lane's end-to-end TLS, TLS writes a 64 KiB write of the session to the lane in pieces; a
/// <see cref="LaneStream"/> that holds writes until TLS flushes sends it as one lane write, hence one frame.
/// </summary>
public sealed class HeldWritesTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_64_KiB_write_of_TLS_over_a_lane_is_one_lane_write_only_when_the_lane_stream_holds_writes(bool hold)
    {
        var (near, far) = DuplexStream.CreatePair();
        var lane = new CountingLane(near);
        var stream = new LaneStream(lane);
        NodeIdentity client = NodeIdentity.Generate(), server = NodeIdentity.Generate();
        var accepted = IdentityTls.AcceptAsync(far, IdentityCertificate.Create(server), _ => null, CancellationToken.None).WaitAsync(Bound);
        await using var connected = await IdentityTls.ConnectAsync(stream, IdentityCertificate.Create(client), server.Id, CancellationToken.None).WaitAsync(Bound);
        await using var serverEnd = await accepted;
        if (hold)
        {
            stream.HoldWrites();
        }

        var data = new byte[64 * 1024];
        Random.Shared.NextBytes(data);
        var received = new byte[data.Length];
        var reading = serverEnd.Stream.ReadExactlyAsync(received).AsTask(); // the pipe holds 64 KiB at most unread
        var before = lane.Writes;
        await connected.Stream.WriteAsync(data).AsTask().WaitAsync(Bound);
        await connected.Stream.FlushAsync().WaitAsync(Bound);

        await reading.WaitAsync(Bound);
        Assert.Equal(data, received);
        var writes = lane.Writes - before;
        Assert.True(hold ? writes == 1 : writes > 1, $"{writes} lane writes");
    }

    /// <summary>A lane over one end of an in-memory stream pair, counting its writes.</summary>
    private sealed class CountingLane(Stream stream) : ILane
    {
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public uint Id => 1;

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => stream.ReadAsync(buffer, cancellationToken);

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            await stream.WriteAsync(data, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }

        public void Complete() => stream.Dispose();
    }
}
