using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;

namespace UsbMesh.Mesh.Transport;

/// <summary>An association whose lanes run on a <see cref="Multiplexer"/> over one byte stream.</summary>
internal sealed class MuxAssociation : IAssociation
{
    private readonly Multiplexer _mux;

    public MuxAssociation(NodeId remoteNode, Stream stream, MultiplexerOptions options, bool initiator)
    {
        RemoteNode = remoteNode;
        _mux = new Multiplexer(stream, options, initiator, remoteNode.Short);
        _mux.Start();
    }

    public NodeId RemoteNode { get; }

    public Task<string> Disassociated => _mux.Completion;

    public ValueTask<ILane> OpenLaneAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<ILane>(_mux.OpenLane());

    public async ValueTask<ILane> AcceptLaneAsync(CancellationToken cancellationToken = default) => await _mux.AcceptLaneAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => _mux.DisposeAsync();
}
