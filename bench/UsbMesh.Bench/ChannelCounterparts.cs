using System.Threading.Channels;

namespace UsbMesh.Bench;

/// <summary>
/// The baseline of <see cref="CountingActor"/>: an unbounded single-reader channel drained by one async loop that counts
/// and signals exactly like the actor does.
/// </summary>
internal sealed class ChannelCounter
{
    private readonly Channel<Msg> _channel;
    private readonly Completion _completion;
    private readonly Task _loop;

    public ChannelCounter(Completion completion, bool singleWriter)
    {
        _completion = completion;
        _channel = Channel.CreateUnbounded<Msg>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = singleWriter });
        _loop = Task.Run(ConsumeAsync);
    }

    public ChannelWriter<Msg> Writer => _channel.Writer;

    public void Stop()
    {
        _channel.Writer.TryComplete();
        _loop.Wait();
    }

    private async Task ConsumeAsync()
    {
        var reader = _channel.Reader;
        var expected = _completion.Expected;
        long count = 0;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out _))
            {
                if (++count == expected)
                {
                    count = 0;
                    _completion.Signal();
                }
            }
        }
    }
}

/// <summary>
/// The baseline of <see cref="PingActor"/> and <see cref="PongActor"/>: two single-reader channels, each drained by its own
/// async loop; the pong loop answers every ping, the ping loop counts round trips and sends the next ping.
/// </summary>
internal sealed class ChannelPingPong
{
    private readonly Channel<Ping> _pings = Channel.CreateUnbounded<Ping>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<Pong> _pongs = Channel.CreateUnbounded<Pong>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Completion _completion;
    private readonly Task _pingLoop;
    private readonly Task _pongLoop;
    private long _remaining;

    public ChannelPingPong(Completion completion)
    {
        _completion = completion;
        _pingLoop = Task.Run(PingLoopAsync);
        _pongLoop = Task.Run(PongLoopAsync);
    }

    /// <summary>Starts a run of <see cref="Completion.Expected"/> round trips; the channel write publishes the count.</summary>
    public void Start()
    {
        _remaining = _completion.Expected;
        _pings.Writer.TryWrite(Ping.Instance);
    }

    public void Stop()
    {
        _pings.Writer.TryComplete();
        _pongs.Writer.TryComplete();
        Task.WaitAll(_pingLoop, _pongLoop);
    }

    private async Task PingLoopAsync()
    {
        var reader = _pongs.Reader;
        var pings = _pings.Writer;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out _))
            {
                if (--_remaining == 0)
                {
                    _completion.Signal();
                }
                else
                {
                    pings.TryWrite(Ping.Instance);
                }
            }
        }
    }

    private async Task PongLoopAsync()
    {
        var reader = _pings.Reader;
        var pongs = _pongs.Writer;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out _))
            {
                pongs.TryWrite(Pong.Instance);
            }
        }
    }
}

/// <summary>
/// Dedicated producer threads that each run <c>body</c> once per <see cref="Go"/>; kept alive across runs so that thread
/// start-up is not part of what is measured.
/// </summary>
internal sealed class ProducerGang : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _gates;
    private volatile bool _stopping;

    public ProducerGang(int producers, Action body)
    {
        _gates = new SemaphoreSlim[producers];
        _threads = new Thread[producers];
        for (var i = 0; i < producers; i++)
        {
            var gate = _gates[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() =>
            {
                while (true)
                {
                    gate.Wait();
                    if (_stopping)
                    {
                        return;
                    }

                    body();
                }
            })
            {
                IsBackground = true,
                Name = $"producer-{i}",
            };
            _threads[i].Start();
        }
    }

    /// <summary>Lets every producer run its body once.</summary>
    public void Go()
    {
        foreach (var gate in _gates)
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Go();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var gate in _gates)
        {
            gate.Dispose();
        }
    }
}
