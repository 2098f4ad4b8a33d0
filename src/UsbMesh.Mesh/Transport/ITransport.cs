using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// A way for nodes to reach each other, in Akka.Remote's transport shape: listen on an address, associate with
/// one, and get an <see cref="IAssociation"/> — an authenticated connection to one node carrying lanes — either
/// way (docs/adr/0008). Implementations: TLS over TCP with the lane multiplexer, QUIC where the system has it, and an
/// in-memory network with fault injection for scenario tests.
/// </summary>
public interface ITransport : IAsyncDisposable
{
    /// <summary>The scheme of this transport's addresses: <c>tls</c>, <c>quic</c>, <c>mem</c>.</summary>
    string Scheme { get; }

    /// <summary>Accepts associations at <paramref name="address"/>; each trusted one is handed to <paramref name="inbound"/>.</summary>
    /// <param name="address">Where to listen (its form depends on the transport).</param>
    /// <param name="inbound">Receives each association another node opened.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The address actually bound (a port chosen by the system filled in).</returns>
    Task<string> ListenAsync(string address, Func<IAssociation, Task> inbound, CancellationToken cancellationToken);

    /// <summary>Connects to the node at <paramref name="address"/>.</summary>
    /// <param name="address">Its address.</param>
    /// <param name="expected">The node meant to be there, if known: any other is refused.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="TransportException">Nobody listens there, the handshake failed, or the node refused.</exception>
    Task<IAssociation> AssociateAsync(string address, NodeId? expected, CancellationToken cancellationToken);
}

/// <summary>An authenticated connection to one node, carrying lanes, until it is disassociated.</summary>
public interface IAssociation : IAsyncDisposable
{
    /// <summary>The node at the other end, as its handshake proved.</summary>
    NodeId RemoteNode { get; }

    /// <summary>Opens a lane to the other node (waiting, on QUIC, until the peer allows another stream).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask<ILane> OpenLaneAsync(CancellationToken cancellationToken = default);

    /// <summary>The next lane the other node opened.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask<ILane> AcceptLaneAsync(CancellationToken cancellationToken = default);

    /// <summary>Completes with the reason when the association ends (either side closed it, the link failed or went silent).</summary>
    Task<string> Disassociated { get; }
}

/// <summary>An association could not be made; the message says why.</summary>
public sealed class TransportException(string message, Exception? inner = null) : Exception(message, inner);
