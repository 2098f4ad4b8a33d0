using System.Diagnostics;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ReceiveTimeoutSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    /// <summary>Timers may fire a little early by the clock's granularity; never by more than this.</summary>
    private static TimeSpan Tolerance => TimeSpan.FromMilliseconds(15);

    private sealed record Tick;

    private sealed record QuietTick : INotInfluenceReceiveTimeout;

    private sealed record SetTimeout(TimeSpan? Timeout);

    private sealed record GetTimeout;

    /// <summary>A receive timeout as the actor saw it: how long after the last message that resets it, and how many
    /// ticks (of both kinds) it had received by then.</summary>
    private sealed record TimedOut(TimeSpan SinceLastInfluencingMessage, int Ticks, int QuietTicks);

    private sealed class TimeoutActor : ReceiveActor
    {
        private long _lastInfluencing = Stopwatch.GetTimestamp();
        private int _ticks;
        private int _quietTicks;

        public TimeoutActor(IActorRef probe, TimeSpan? initial, bool turnOffAfterFirst)
        {
            if (initial is not null)
            {
                SetReceiveTimeout(initial);
            }

            Receive<Tick>(_ =>
            {
                _ticks++;
                _lastInfluencing = Stopwatch.GetTimestamp();
            });
            Receive<QuietTick>(_ => _quietTicks++);
            Receive<SetTimeout>(s =>
            {
                _lastInfluencing = Stopwatch.GetTimestamp();
                SetReceiveTimeout(s.Timeout);
                Sender.Tell("set");
            });
            Receive<GetTimeout>(_ =>
            {
                _lastInfluencing = Stopwatch.GetTimestamp();
                Sender.Tell(new TimeoutSetting(Context.ReceiveTimeout));
            });
            Receive<ReceiveTimeout>(_ =>
            {
                probe.Tell(new TimedOut(Stopwatch.GetElapsedTime(_lastInfluencing), _ticks, _quietTicks));
                if (turnOffAfterFirst)
                {
                    SetReceiveTimeout(null);
                }
            });
        }
    }

    private sealed record TimeoutSetting(TimeSpan? Timeout);

    private IActorRef CreateTimeoutActor(TimeSpan? initial, bool turnOffAfterFirst = false) =>
        Sys.ActorOf(Props.Create(() => new TimeoutActor(TestActor, initial, turnOffAfterFirst)));

    [Fact]
    public void ReceiveTimeout_arrives_after_inactivity_and_again_after_more_inactivity()
    {
        var timeout = TimeSpan.FromMilliseconds(200);
        CreateTimeoutActor(timeout);

        var first = ExpectMsg<TimedOut>(TimeSpan.FromSeconds(5));
        var second = ExpectMsg<TimedOut>(TimeSpan.FromSeconds(5));

        Assert.True(first.SinceLastInfluencingMessage >= timeout - Tolerance, $"first after {first.SinceLastInfluencingMessage}");
        Assert.True(second.SinceLastInfluencingMessage >= 2 * timeout - Tolerance, $"second after {second.SinceLastInfluencingMessage}");
    }

    [Fact]
    public void Messages_keep_resetting_the_receive_timeout()
    {
        const int ticks = 40;
        var timeout = TimeSpan.FromMilliseconds(300);
        var actor = CreateTimeoutActor(timeout);

        for (var i = 0; i < ticks; i++)
        {
            actor.Tell(new Tick());
            Thread.Sleep(30);
        }

        // A timeout may only ever come after a full timeout of silence: while the ticks flowed there was none (unless
        // this thread stalled), and after the last one it must come.
        while (true)
        {
            var timedOut = ExpectMsg<TimedOut>(TimeSpan.FromSeconds(5));
            Assert.True(timedOut.SinceLastInfluencingMessage >= timeout - Tolerance,
                $"a receive timeout came {timedOut.SinceLastInfluencingMessage.TotalMilliseconds:0} ms after the last message " +
                $"(after tick {timedOut.Ticks})");
            if (timedOut.Ticks == ticks)
            {
                break;
            }
        }
    }

    [Fact]
    public void SetReceiveTimeout_null_turns_it_off()
    {
        CreateTimeoutActor(TimeSpan.FromMilliseconds(150), turnOffAfterFirst: true);

        ExpectMsg<TimedOut>(TimeSpan.FromSeconds(5));

        ExpectNoMsg(TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public void SetReceiveTimeout_null_before_it_fires_prevents_it()
    {
        var actor = CreateTimeoutActor(initial: null);
        // Long enough that the round trips below cannot let it fire first, even on a slow machine.
        var timeout = TimeSpan.FromSeconds(1);
        actor.Tell(new SetTimeout(timeout), TestActor);
        ExpectMsg("set");
        actor.Tell(new GetTimeout(), TestActor);
        Assert.Equal(timeout, ExpectMsg<TimeoutSetting>().Timeout);

        actor.Tell(new SetTimeout(null), TestActor);

        ExpectMsg("set");
        actor.Tell(new GetTimeout(), TestActor);
        Assert.Null(ExpectMsg<TimeoutSetting>().Timeout);
        ExpectNoMsg(TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public void Zero_or_infinite_receive_timeout_means_off()
    {
        var actor = CreateTimeoutActor(initial: null);
        actor.Tell(new SetTimeout(TimeSpan.Zero), TestActor);
        ExpectMsg("set");
        actor.Tell(new GetTimeout(), TestActor);
        Assert.Null(ExpectMsg<TimeoutSetting>().Timeout);

        actor.Tell(new SetTimeout(System.Threading.Timeout.InfiniteTimeSpan), TestActor);
        ExpectMsg("set");
        actor.Tell(new GetTimeout(), TestActor);
        Assert.Null(ExpectMsg<TimeoutSetting>().Timeout);
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task Messages_that_do_not_influence_the_receive_timeout_do_not_reset_it()
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        var actor = CreateTimeoutActor(timeout);
        using var stop = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(15)));
        var sender = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                actor.Tell(new QuietTick());
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            // The quiet ticks keep flowing all along, yet the timeout comes.
            var timedOut = await ExpectMsgAsync<TimedOut>(TimeSpan.FromSeconds(5));

            Assert.False(stop.IsCancellationRequested);
            Assert.True(timedOut.QuietTicks > 0, "no quiet tick arrived before the timeout");
            Assert.Equal(0, timedOut.Ticks);
            Assert.True(timedOut.SinceLastInfluencingMessage >= timeout - Tolerance, $"timed out after {timedOut.SinceLastInfluencingMessage}");
        }
        finally
        {
            await stop.CancelAsync();
            await sender;
        }
    }
}
