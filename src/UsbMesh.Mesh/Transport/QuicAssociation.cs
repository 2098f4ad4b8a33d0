using System.Net.Quic;
using System.Runtime.Versioning;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Transport;

/// <summary>An association over one QUIC connection; each lane is a bidirectional QUIC stream.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal sealed class QuicAssociation : IAssociation
{
    private readonly QuicConnection _connection;
    private readonly TaskCompletionSource<string> _disassociated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextLane;

    public QuicAssociation(NodeId remoteNode, QuicConnection connection)
    {
        RemoteNode = remoteNode;
        _connection = connection;
    }

    public NodeId RemoteNode { get; }

    public Task<string> Disassociated => _disassociated.Task;

    public async ValueTask<ILane> OpenLaneAsync(CancellationToken cancellationToken = default)
    {
        var stream = await _connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, cancellationToken).ConfigureAwait(false);
        return new QuicLane((uint)Interlocked.Increment(ref _nextLane), stream);
    }

    public async ValueTask<ILane> AcceptLaneAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var stream = await _connection.AcceptInboundStreamAsync(cancellationToken).ConfigureAwait(false);
            return new QuicLane((uint)stream.Id, stream);
        }
        catch (QuicException e)
        {
            _disassociated.TrySetResult($"the QUIC connection ended: {e.Message}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disassociated.TrySetResult("closed by this side");
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A QUIC stream as a lane: QUIC orders and flow-controls it.</summary>
    private sealed class QuicLane(uint id, QuicStream stream) : ILane
    {
        public uint Id => id;

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => stream.ReadAsync(buffer, cancellationToken);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => stream.WriteAsync(data, cancellationToken);

        public void Complete() => stream.CompleteWrites();
    }
}
