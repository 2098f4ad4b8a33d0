using UsbMesh.Mesh.Resumable;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Sessions;

/// <summary>
/// The two resumable lanes of one session, seen from either end: sends keep their order per lane, each lane runs on
/// the newest transport lane it was given (a previous run is stopped first), and the owner hears of each run's end.
/// </summary>
internal sealed class SessionLanePair : IDisposable
{
    private readonly ResumableLane[] _lanes;
    private readonly Task[] _sendTails = [Task.CompletedTask, Task.CompletedTask];
    private readonly Task[] _runs = [Task.CompletedTask, Task.CompletedTask];
    private readonly CancellationTokenSource?[] _runStops = new CancellationTokenSource?[2];
    private readonly int[] _generations = new int[2];

    /// <param name="options">The bounds of each lane.</param>
    /// <param name="deliver">Receives each message once, in order per lane, on the lane's reading thread.</param>
    public SessionLanePair(ResumableLaneOptions options, Action<SessionLaneKind, ReadOnlyMemory<byte>> deliver) =>
        _lanes = [.. SessionLanes.All.Select(kind => new ResumableLane(options, message => deliver(kind, message)))];

    /// <summary>How many messages of the other side's were delivered on the lane.</summary>
    public long Delivered(SessionLaneKind kind) => _lanes[(int)kind].Delivered;

    /// <summary>Sends after every earlier send on the same lane; a failure (the pair was disposed) is dropped.</summary>
    public void Send(SessionLaneKind kind, byte[] message)
    {
        var lane = _lanes[(int)kind];
        var tail = _sendTails[(int)kind];
        _sendTails[(int)kind] = tail.IsCompletedSuccessfully
            ? SendQuietlyAsync(lane, message)
            : tail.ContinueWith(_ => SendQuietlyAsync(lane, message), TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Runs <paramref name="kind"/> on <paramref name="transport"/> after <paramref name="before"/> (the handshake's
    /// last step) once the previous run has stopped; completes with the generation and reason when the run ends.
    /// </summary>
    public async Task<(int Generation, string Reason)> RunAsync(SessionLaneKind kind, ILane transport, long peerDelivered, Func<Task> before)
    {
        var index = (int)kind;
        var generation = ++_generations[index];
        var previousStop = _runStops[index];
        var previous = _runs[index];
        var stop = new CancellationTokenSource();
        _runStops[index] = stop;
        var run = RunAfterAsync(previous, previousStop, kind, transport, peerDelivered, before, stop.Token);
        _runs[index] = run;
        return (generation, await run.ConfigureAwait(false));
    }

    /// <summary>Whether <paramref name="generation"/> is the newest run of <paramref name="kind"/>.</summary>
    public bool IsCurrent(SessionLaneKind kind, int generation) => _generations[(int)kind] == generation;

    public void Dispose()
    {
        foreach (var stop in _runStops)
        {
            stop?.Cancel();
        }

        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }
    }

    private async Task<string> RunAfterAsync(Task previous, CancellationTokenSource? previousStop, SessionLaneKind kind, ILane transport, long peerDelivered, Func<Task> before, CancellationToken stop)
    {
        if (previousStop is not null)
        {
            await previousStop.CancelAsync().ConfigureAwait(false);
        }

        await previous.ConfigureAwait(false);
        try
        {
            await before().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            transport.Complete();
            return $"the handshake failed: {e.Message}";
        }

        var reason = await _lanes[(int)kind].RunAsync(transport, peerDelivered, stop).ConfigureAwait(false);
        transport.Complete();
        return reason;
    }

    private static async Task SendQuietlyAsync(ResumableLane lane, byte[] message)
    {
        try
        {
            await lane.SendAsync(message).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The session ended; nobody waits for this message any more.
        }
    }
}
