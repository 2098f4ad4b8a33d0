using System.Buffers;
using System.Threading.Channels;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote.Wire;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Remote;

/// <summary>
/// Everything this node sends to one peer: a bounded queue of encoded frames, the current link, and a loop that
/// writes each burst of queued frames with one lane write and reconnects, with backoff, whenever the link ends.
/// When both nodes connect at once, both keep the association opened by the node with the lower id.
/// </summary>
internal sealed class PeerEndpoint : IAsyncDisposable
{
    private const int BurstBytes = 256 * 1024;

    private readonly Remoting _remoting;
    private readonly Channel<byte[]> _outbound = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _addresses = [];
    private readonly Lock _gate = new();
    private PeerLink? _link;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queuedBytes;
    private bool _associatedBefore;
    private Task _run = Task.CompletedTask;

    public PeerEndpoint(Remoting remoting, NodeId node)
    {
        _remoting = remoting;
        Node = node;
    }

    public NodeId Node { get; }

    public bool IsConnected => _link is { IsEnded: false };

    public void Start() => _run = Task.Run(RunAsync);

    public void AddAddresses(IEnumerable<string> addresses)
    {
        lock (_gate)
        {
            foreach (var address in addresses)
            {
                if (!_addresses.Contains(address))
                {
                    _addresses.Add(address);
                }
            }

            Signal();
        }
    }

    /// <summary>Queues a frame; false when the queue is full (the peer is slow or away), and the frame is dropped.</summary>
    public bool Enqueue(byte[] frame)
    {
        // The queue refuses only once the endpoint is disposed; either way the frame's bytes were never queued.
        if (Interlocked.Add(ref _queuedBytes, frame.Length) > _remoting.Settings.SendBufferSize || !_outbound.Writer.TryWrite(frame))
        {
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            return false;
        }

        return true;
    }

    /// <summary>Takes an association (opened either way) as the link to this peer, unless the current one wins.</summary>
    public void Adopt(PeerLink candidate)
    {
        PeerLink? replaced;
        var before = false;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested || (_link is { IsEnded: false } current && !Prefers(candidate, current)))
            {
                replaced = candidate;
            }
            else
            {
                replaced = _link;
                _link = candidate;
                before = _associatedBefore;
                _associatedBefore = true;
                Signal();
            }
        }

        if (ReferenceEquals(replaced, candidate))
        {
            candidate.End("the peer is reached through another connection");
            return;
        }

        replaced?.End("replaced by a newer connection");
        candidate.Ended.ContinueWith(t => OnLinkEnded(candidate, t.Result), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _ = Task.Run(() => ReadAsync(candidate));
        _ = Task.Run(() => AcceptLanesAsync(candidate));
        RemotingMetrics.Associated(Node, inbound: !candidate.InitiatedHere, before);
        _remoting.Publish(new AssociatedEvent(Node, Inbound: !candidate.InitiatedHere));
    }

    /// <summary>Opens a lane on the current link, waiting (and connecting, when the peer's addresses are known) for one.</summary>
    public async Task<ILane> OpenLaneAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            PeerLink? link;
            Task changed;
            lock (_gate)
            {
                link = _link is { IsEnded: false } live ? live : null;
                changed = _changed.Task;
            }

            if (link is not null)
            {
                try
                {
                    return await link.Association.OpenLaneAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException && link.IsEnded)
                {
                    // The link ended under the attempt: wait for the next one.
                }
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            _stop.Token.ThrowIfCancellationRequested();
        }
    }

    public async ValueTask DisposeAsync()
    {
        PeerLink? link;
        lock (_gate)
        {
            _stop.Cancel();
            link = _link;
            Signal();
        }

        _outbound.Writer.TryComplete();
        link?.End("remoting stopped talking to this node");
        await _run.ConfigureAwait(false);
    }

    /// <summary>Of two live associations, the one opened by the node with the lower id; of two opened by the same
    /// node, the newer (the older is probably half-open).</summary>
    private bool Prefers(PeerLink candidate, PeerLink current)
    {
        if (candidate.InitiatedHere == current.InitiatedHere)
        {
            return true;
        }

        var candidateOpener = candidate.InitiatedHere ? _remoting.SelfNode : Node;
        var currentOpener = current.InitiatedHere ? _remoting.SelfNode : Node;
        return string.CompareOrdinal(candidateOpener.ToString(), currentOpener.ToString()) < 0;
    }

    private void OnLinkEnded(PeerLink link, string reason)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_link, link))
            {
                return;
            }

            Signal();
        }

        _remoting.Publish(new DisassociatedEvent(Node, reason));
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task RunAsync()
    {
        var failures = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                PeerLink? link;
                Task changed;
                string[] addresses;
                lock (_gate)
                {
                    link = _link is { IsEnded: false } live ? live : null;
                    changed = _changed.Task;
                    addresses = [.. _addresses];
                }

                if (link is not null)
                {
                    failures = 0;
                    await PumpAsync(link).ConfigureAwait(false);
                }
                else if (addresses.Length == 0)
                {
                    // Nowhere to connect to: wait for the peer to connect, or for someone to say where it is.
                    await changed.WaitAsync(_stop.Token).ConfigureAwait(false);
                }
                else
                {
                    if (failures > 0)
                    {
                        await Task.WhenAny(Task.Delay(_remoting.Settings.Backoff(failures), _stop.Token), changed).ConfigureAwait(false);
                        if (IsConnected || _stop.IsCancellationRequested)
                        {
                            continue;
                        }
                    }

                    failures = await _remoting.TryConnectAsync(this, addresses, _stop.Token).ConfigureAwait(false) ? 0 : failures + 1;
                    if (failures > 0)
                    {
                        RemotingMetrics.ConnectFailed(Node);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes queued frames to <paramref name="link"/>, one lane write per burst, until it ends.</summary>
    private async Task PumpAsync(PeerLink link)
    {
        var burst = new ArrayBufferWriter<byte>(BurstBytes);
        try
        {
            while (await _outbound.Reader.WaitToReadAsync(link.Token).ConfigureAwait(false))
            {
                burst.ResetWrittenCount();
                while (burst.WrittenCount < BurstBytes && _outbound.Reader.TryRead(out var frame))
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                    burst.Write(frame);
                }

                await link.Control.WriteAsync(burst.WrittenMemory, link.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (link.Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            link.End($"sending failed: {e.Message}");
        }
    }

    /// <summary>Hands each lane the peer opens beside the control lane to the lane services, until the link ends.</summary>
    private async Task AcceptLanesAsync(PeerLink link)
    {
        try
        {
            while (!link.IsEnded)
            {
                var lane = await link.Association.AcceptLaneAsync(link.Token).ConfigureAwait(false);
                _ = Task.Run(() => _remoting.LaneServices.ServeAsync(Node, lane, link.Token));
            }
        }
        catch (Exception)
        {
            // The link ended; its reader reports why.
        }
    }

    private async Task ReadAsync(PeerLink link)
    {
        var reader = new LaneFrameReader(link.Control, _remoting.Settings.MaximumMessageSize);
        try
        {
            while (await reader.ReadFrameAsync(link.Token).ConfigureAwait(false) is { } body)
            {
                if (!RemoteFrameCodec.TryDecode(body, out var frame, out var error))
                {
                    link.End($"protocol error: {error}");
                    return;
                }

                _remoting.Dispatch(Node, frame);
            }

            link.End("the peer closed the connection");
        }
        catch (OperationCanceledException) when (link.Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            link.End(e is RemoteProtocolException ? $"protocol error: {e.Message}" : $"receiving failed: {e.Message}");
        }
    }
}
