namespace UsbMesh.Bench;

/// <summary>The message of the one-way patterns. One instance is sent over and over, so a send allocates nothing of its own.</summary>
public sealed class Msg
{
    public static readonly Msg Instance = new();
}

/// <summary>Ping-pong: the request.</summary>
public sealed class Ping
{
    public static readonly Ping Instance = new();
}

/// <summary>Ping-pong: the reply.</summary>
public sealed class Pong
{
    public static readonly Pong Instance = new();
}

/// <summary>Ping-pong: tells the pinger to start a run of round trips.</summary>
public sealed class StartRun
{
    public static readonly StartRun Instance = new();
}

/// <summary>
/// How many messages the consumer of a run expects, and the event it sets when the last one arrives.
/// The consumer resets its own count, so the same consumer serves every run.
/// </summary>
internal sealed class Completion(long expected) : IDisposable
{
    private readonly ManualResetEventSlim _done = new(initialState: false);

    public long Expected { get; } = expected;

    /// <summary>Called by the consumer when it has seen <see cref="Expected"/> messages.</summary>
    public void Signal() => _done.Set();

    /// <summary>Blocks until the consumer has signalled, then re-arms for the next run.</summary>
    public void Wait()
    {
        _done.Wait();
        _done.Reset();
    }

    public bool Wait(TimeSpan timeout)
    {
        if (!_done.Wait(timeout))
        {
            return false;
        }

        _done.Reset();
        return true;
    }

    public void Dispose() => _done.Dispose();
}
