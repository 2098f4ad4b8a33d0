using UsbMesh.Actors;
using UsbMesh.Mesh.Resumable;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Sessions;

/// <summary>
/// The two resumable lanes of one session, seen from either end: sends keep their order per lane, each lane runs on
/// the newest transport lane it was given (a previous run is stopped first), and the owning actor is told of each
/// message (<see cref="Received"/>) and of each run's end (<see cref="Ended"/>).
/// </summary>
internal sealed class SessionLanePair : IDisposable
{
    private readonly ResumableLane[] _lanes;
    private readonly Task[] _sendTails = [Task.CompletedTask, Task.CompletedTask];
    private readonly Task[] _runs = [Task.CompletedTask, Task.CompletedTask];
    private readonly CancellationTokenSource?[] _runStops = new CancellationTokenSource?[2];
    private readonly int[] _generations = new int[2];

    private readonly IActorRef _owner;

    /// <param name="options">The bounds of each lane.</param>
    /// <param name="owner">Told each message once, in order per lane, and the end of each run.</param>
    public SessionLanePair(ResumableLaneOptions options, IActorRef owner)
    {
        _owner = owner;
        _lanes = [.. SessionLanes.All.Select(kind => new ResumableLane(options, message => owner.Tell(new Received(kind, message), ActorRefs.NoSender)))];
    }

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
    /// last step) once the previous run has stopped; the owner is told <see cref="Ended"/> when the run ends. Called
    /// from the owner's thread only.
    /// </summary>
    public void Run(SessionLaneKind kind, ILane transport, long peerDelivered, Func<Task> before)
    {
        var index = (int)kind;
        var generation = ++_generations[index];
        var previousStop = _runStops[index];
        var previous = _runs[index];
        var stop = new CancellationTokenSource();
        _runStops[index] = stop;
        var run = RunAfterAsync(previous, previousStop, kind, transport, peerDelivered, before, stop.Token);
        _runs[index] = run;
        run.PipeTo(_owner, success: reason => new Ended(kind, generation, reason));
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

    /// <summary>A message of the other side, delivered once.</summary>
    public sealed record Received(SessionLaneKind Kind, ReadOnlyMemory<byte> Message);

    /// <summary>A run of <paramref name="Kind"/> stopped carrying messages; <see cref="IsCurrent"/> tells whether a newer one took over.</summary>
    public sealed record Ended(SessionLaneKind Kind, int Generation, string Reason);

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
