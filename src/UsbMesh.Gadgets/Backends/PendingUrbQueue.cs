using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Backends;

/// <summary>
/// The URBs waiting on one gadget endpoint (the device NAKs them until it has data or room), in submission order.
/// Every member is called under the gadget's gate; an unlink takes the gate itself, removes its URB if it is still
/// queued and completes it with <see cref="UrbStatus.Unlinked"/>. A URB the gadget has completed first keeps its
/// real result (the unlink lost). Completions run their continuations asynchronously, so completing under the gate
/// is safe.
/// </summary>
internal sealed class PendingUrbQueue
{
    private readonly object _gate;
    private readonly LinkedList<PendingUrb> _queue = new();

    /// <summary>Creates a queue guarded by <paramref name="gate"/>.</summary>
    /// <param name="gate">The gadget's lock.</param>
    public PendingUrbQueue(object gate) => _gate = gate;

    /// <summary>URBs waiting.</summary>
    public int Count => _queue.Count;

    /// <summary>The oldest waiting URB's request, or null.</summary>
    public UrbRequest? Head => _queue.First?.Value.Request;

    /// <summary>Queues <paramref name="request"/>; the task completes when the gadget completes it or it is unlinked.</summary>
    /// <param name="request">The URB.</param>
    /// <param name="unlink">Cancelled on unlink.</param>
    public Task<UrbResult> Add(UrbRequest request, CancellationToken unlink)
    {
        var pending = new PendingUrb(this, request);
        pending.Node = _queue.AddLast(pending);
        if (unlink.CanBeCanceled)
        {
            // Registered after queueing: if the token is cancelled already the callback runs here, re-entering the
            // gate (Monitor is re-entrant) and removing the URB again.
            pending.Registration = unlink.Register(static state => ((PendingUrb)state!).Owner.Unlink((PendingUrb)state), pending);
        }

        return pending.Completion.Task;
    }

    /// <summary>Completes the oldest URB with <paramref name="result"/>.</summary>
    /// <param name="result">Its result.</param>
    public void CompleteHead(UrbResult result)
    {
        var pending = _queue.First?.Value ?? throw new InvalidOperationException("No URB is waiting.");
        Remove(pending);
        pending.Completion.TrySetResult(result);
    }

    /// <summary>Completes every waiting URB with <paramref name="status"/>.</summary>
    /// <param name="status">The failure (for example <see cref="UrbStatus.DeviceGone"/>).</param>
    public void FailAll(UrbStatus status)
    {
        while (_queue.First is { } node)
        {
            Remove(node.Value);
            node.Value.Completion.TrySetResult(UrbResult.Failed(status));
        }
    }

    private void Unlink(PendingUrb pending)
    {
        lock (_gate)
        {
            if (pending.Node is null)
            {
                return;      // completed already: the unlink lost
            }

            Remove(pending);
        }

        pending.Completion.TrySetResult(UrbResult.Failed(UrbStatus.Unlinked));
    }

    private void Remove(PendingUrb pending)
    {
        if (pending.Node is { } node)
        {
            _queue.Remove(node);
            pending.Node = null;
        }

        // Unregister does not wait for a running callback (Dispose would, and could deadlock on the gate).
        pending.Registration.Unregister();
    }

    private sealed class PendingUrb(PendingUrbQueue owner, UrbRequest request)
    {
        public PendingUrbQueue Owner { get; } = owner;

        public UrbRequest Request { get; } = request;

        public TaskCompletionSource<UrbResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<PendingUrb>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
