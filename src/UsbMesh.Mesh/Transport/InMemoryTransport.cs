using System.Collections.Concurrent;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// Nodes of one process connected in memory, for scenario tests: a registry of listening addresses and the faults
/// between each pair of nodes (<see cref="FaultsBetween"/>), which apply to their connections in both directions.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<string, InMemoryTransport> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), InMemoryFaults> _faults = new();
    private readonly ConcurrentDictionary<(string, string), List<(InMemoryLink, InMemoryLink)>> _connections = new();

    /// <summary>The faults between the nodes at <paramref name="a"/> and <paramref name="b"/> (either order).</summary>
    /// <param name="a">One node's address.</param>
    /// <param name="b">The other's.</param>
    public InMemoryFaults FaultsBetween(string a, string b) => _faults.GetOrAdd(Key(a, b), _ => new InMemoryFaults());

    /// <summary>Ends every connection between the two nodes at once, as a reset would.</summary>
    /// <param name="a">One node's address.</param>
    /// <param name="b">The other's.</param>
    public void Cut(string a, string b)
    {
        if (_connections.TryRemove(Key(a, b), out var links))
        {
            foreach (var (there, back) in links)
            {
                there.Cut();
                back.Cut();
            }
        }
    }

    internal void Listen(string address, InMemoryTransport transport)
    {
        if (!_listeners.TryAdd(address, transport))
        {
            throw new TransportException($"{address} is in use");
        }
    }

    internal void Unlisten(string address) => _listeners.TryRemove(address, out _);

    internal InMemoryTransport? ListenerAt(string address) => _listeners.GetValueOrDefault(address);

    internal (Stream ToServer, Stream FromServer, Stream ToClient, Stream FromClient) Connect(string client, string server)
    {
        var faults = FaultsBetween(client, server);
        var there = new InMemoryLink(faults);
        var back = new InMemoryLink(faults);
        _connections.GetOrAdd(Key(client, server), _ => []).Add((there, back));
        return (there.Input, back.Output, back.Input, there.Output);
    }

    private static (string, string) Key(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
}

/// <summary>
/// A transport over an <see cref="InMemoryNetwork"/>. Identities are taken as given (no TLS in memory); trust is
/// applied as on a real connection: the accepting node's refusal reaches the connecting one as an error.
/// </summary>
/// <param name="network">The network.</param>
/// <param name="self">This node's id.</param>
/// <param name="refusal">The trust list: why a peer may not connect, or null.</param>
/// <param name="options">The multiplexer's limits and timing.</param>
public sealed class InMemoryTransport(InMemoryNetwork network, NodeId self, Func<NodeId, string?> refusal, MultiplexerOptions options) : ITransport
{
    private string? _address;
    private Func<IAssociation, Task>? _inbound;

    /// <inheritdoc/>
    public string Scheme => "mem";

    /// <inheritdoc/>
    public Task<string> ListenAsync(string address, Func<IAssociation, Task> inbound, CancellationToken cancellationToken)
    {
        _inbound = inbound;
        network.Listen(address, this);
        _address = address;
        return Task.FromResult(address);
    }

    /// <inheritdoc/>
    public async Task<IAssociation> AssociateAsync(string address, NodeId? expected, CancellationToken cancellationToken)
    {
        var server = network.ListenerAt(address) ?? throw new TransportException($"nobody listens at {address}");
        if (expected is { } wanted && wanted != server.Self)
        {
            throw new TransportException($"expected node {wanted} at {address}, found {server.Self}");
        }

        // A partition hides the other node entirely, as a real one would: the connection attempt goes unanswered.
        if (network.FaultsBetween(_address ?? $"client-of-{self.Short}", address).Partitioned)
        {
            throw new TransportException($"no answer from {address} (partitioned)");
        }

        if (server.RefusalOf(self) is { } reason)
        {
            throw new TransportException($"{server.Self} refused the connection: {reason}");
        }

        var (toServer, fromServer, toClient, fromClient) = network.Connect(_address ?? $"client-of-{self.Short}", address);
        var serverSide = new MuxAssociation(self, new DuplexStreams(fromClient, toClient), options, initiator: false);
        await server.AcceptAsync(serverSide).ConfigureAwait(false);
        return new MuxAssociation(server.Self, new DuplexStreams(fromServer, toServer), options, initiator: true);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (_address is not null)
        {
            network.Unlisten(_address);
        }

        return ValueTask.CompletedTask;
    }

    private NodeId Self => self;

    private string? RefusalOf(NodeId peer) => refusal(peer);

    private Task AcceptAsync(IAssociation association) => _inbound?.Invoke(association) ?? Task.CompletedTask;
}
