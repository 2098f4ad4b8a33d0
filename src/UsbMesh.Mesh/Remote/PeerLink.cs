using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Remote;

/// <summary>One association to a peer with its control lane, from adoption until it ends (once, for one reason).</summary>
internal sealed class PeerLink
{
    private readonly CancellationTokenSource _ended = new();
    private readonly TaskCompletionSource<string> _reason = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PeerLink(IAssociation association, ILane control, bool initiatedHere)
    {
        Association = association;
        Control = control;
        InitiatedHere = initiatedHere;
        association.Disassociated.ContinueWith(t => End(t.IsCompletedSuccessfully ? t.Result : "the connection failed"),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public IAssociation Association { get; }

    public ILane Control { get; }

    /// <summary>Whether this node opened the association.</summary>
    public bool InitiatedHere { get; }

    /// <summary>Cancelled when the link ends: stops its reader and writer.</summary>
    public CancellationToken Token => _ended.Token;

    public bool IsEnded => _reason.Task.IsCompleted;

    /// <summary>Completes with the reason the link ended.</summary>
    public Task<string> Ended => _reason.Task;

    public void End(string reason)
    {
        if (!_reason.TrySetResult(reason))
        {
            return;
        }

        _ended.Cancel();
        _ = Association.DisposeAsync().AsTask();
    }
}
