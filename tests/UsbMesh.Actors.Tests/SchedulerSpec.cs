using System.Diagnostics;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class SchedulerSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    /// <summary>Timers may fire a little early by the clock's granularity; never by more than this.</summary>
    private static TimeSpan Tolerance => TimeSpan.FromMilliseconds(15);

    /// <summary>Takes messages until none arrives for <paramref name="quiet"/>; fails if the stream never goes quiet.</summary>
    private int DrainUntilQuiet(TimeSpan quiet, int maxMessages = 20)
    {
        for (var drained = 0; drained <= maxMessages; drained++)
        {
            if (ReceiveOne(quiet) is null)
            {
                return drained;
            }
        }

        throw new TestKitFailure($"Messages kept arriving: more than {maxMessages} without a pause of {quiet.TotalMilliseconds:0} ms.");
    }

    [Fact]
    public void ScheduleTellOnce_delivers_after_the_delay_and_not_before()
    {
        var delay = TimeSpan.FromMilliseconds(300);
        var sender = CreateTestProbe("sender");
        var stopwatch = Stopwatch.StartNew();

        Sys.Scheduler.ScheduleTellOnce(delay, TestActor, "tick", sender.Ref);

        ExpectMsg("tick", TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed >= delay - Tolerance, $"delivered after {stopwatch.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(sender.Ref, LastSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void ScheduleTellOnce_cancelled_before_it_fires_delivers_nothing()
    {
        var cancelable = Sys.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromMilliseconds(300), TestActor, "tick", ActorRefs.NoSender);

        cancelable.Cancel();

        Assert.True(cancelable.IsCancellationRequested);
        ExpectNoMsg(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public void ScheduleTellOnce_with_an_already_cancelled_cancelable_delivers_nothing()
    {
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, "tick", ActorRefs.NoSender, Cancelable.CreateCanceled());
        Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(20), TestActor, "tock", ActorRefs.NoSender,
            Cancelable.CreateCanceled());

        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void ScheduleTellOnce_with_a_negative_delay_delivers_at_once()
    {
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(-1), TestActor, "now", ActorRefs.NoSender);

        ExpectMsg("now");
    }

    [Fact]
    public void ScheduleTellRepeatedly_delivers_several_times_and_stops_after_cancel()
    {
        var initialDelay = TimeSpan.FromMilliseconds(200);
        var stopwatch = Stopwatch.StartNew();
        var cancelable = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(
            initialDelay, TimeSpan.FromMilliseconds(50), TestActor, "tick", ActorRefs.NoSender);

        ExpectMsg("tick", TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed >= initialDelay - Tolerance, $"first delivery after {stopwatch.Elapsed.TotalMilliseconds:0} ms");
        Assert.All(ReceiveN(4, TimeSpan.FromSeconds(10)), m => Assert.Equal("tick", m));

        cancelable.Cancel();

        // A tick already on its way may still land; after that the stream must go quiet for good.
        DrainUntilQuiet(TimeSpan.FromMilliseconds(400));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void ScheduleTellRepeatedly_keeps_going_until_cancelled()
    {
        var cancelable = new Cancelable();
        Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(30), TestActor, "tick", ActorRefs.NoSender, cancelable);
        try
        {
            Assert.Equal(10, ReceiveN(10, TimeSpan.FromSeconds(10)).Count);
        }
        finally
        {
            cancelable.Cancel();
        }

        DrainUntilQuiet(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task Advanced_ScheduleOnce_runs_the_action_after_the_delay()
    {
        var delay = TimeSpan.FromMilliseconds(200);
        var ran = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopwatch = Stopwatch.StartNew();

        Sys.Scheduler.Advanced.ScheduleOnce(delay, () => ran.TrySetResult(stopwatch.Elapsed));

        var elapsed = await ran.Task.WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        Assert.True(elapsed >= delay - Tolerance, $"ran after {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Advanced_ScheduleOnce_cancelled_before_it_fires_does_not_run()
    {
        var runs = 0;
        var cancelable = new Cancelable();
        Sys.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(200), () => Interlocked.Increment(ref runs), cancelable);

        cancelable.Cancel();

        await Task.Delay(Dilated(TimeSpan.FromMilliseconds(600)));
        Assert.Equal(0, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task Advanced_ScheduleRepeatedly_runs_until_cancelled()
    {
        var runs = 0;
        var thirdRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelable = new Cancelable();
        Sys.Scheduler.Advanced.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(30), () =>
        {
            if (Interlocked.Increment(ref runs) == 3)
            {
                thirdRun.TrySetResult();
            }
        }, cancelable);

        await thirdRun.Task.WaitAsync(Dilated(TimeSpan.FromSeconds(10)));
        cancelable.Cancel();

        await AwaitAssertAsync(async () =>
        {
            var before = Volatile.Read(ref runs);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            Assert.Equal(before, Volatile.Read(ref runs));
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Repeating_schedules_reject_an_interval_that_is_not_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.Zero, TestActor, "tick", ActorRefs.NoSender));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Sys.Scheduler.Advanced.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(-5), () => { }));
        Assert.Throws<ArgumentNullException>(() =>
            Sys.Scheduler.ScheduleTellOnce(TimeSpan.Zero, null!, "tick", ActorRefs.NoSender));
        Assert.Throws<ArgumentNullException>(() =>
            Sys.Scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, null!, ActorRefs.NoSender));

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Clocks_report_wall_time_and_monotonic_time_since_start()
    {
        var before = DateTimeOffset.UtcNow;
        var now = Sys.Scheduler.Now;
        Assert.True(now >= before - TimeSpan.FromSeconds(1) && now <= DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));

        var first = Sys.Scheduler.MonotonicClock;
        await Task.Delay(50);
        var second = Sys.Scheduler.MonotonicClock;

        Assert.True(first >= TimeSpan.Zero);
        Assert.True(second - first >= TimeSpan.FromMilliseconds(50) - Tolerance, $"{first} then {second}");
        Assert.True(Sys.Uptime >= second);
    }

    [Fact]
    public async Task Nothing_fires_after_the_system_has_terminated()
    {
        var delay = Dilated(TimeSpan.FromSeconds(2));
        var actionRuns = 0;
        var system = ActorSystem.Create("scheduler-termination");
        try
        {
            var stopwatch = Stopwatch.StartNew();
            system.Scheduler.ScheduleTellOnce(delay, TestActor, "once", ActorRefs.NoSender);
            system.Scheduler.ScheduleTellRepeatedly(delay, TimeSpan.FromMilliseconds(20), TestActor, "repeated", ActorRefs.NoSender);
            system.Scheduler.Advanced.ScheduleOnce(delay, () => Interlocked.Increment(ref actionRuns));

            await system.Terminate().WaitAsync(Dilated(TimeSpan.FromSeconds(15)));
            var terminatedAfter = stopwatch.Elapsed;
            Assert.True(terminatedAfter < delay, $"termination took {terminatedAfter.TotalMilliseconds:0} ms, the test needs it faster");

            // Scheduling on a terminated system is accepted and does nothing.
            system.Scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, "late", ActorRefs.NoSender);
            system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, () => Interlocked.Increment(ref actionRuns));

            var untilWellPastTheDueTime = delay - stopwatch.Elapsed;
            await ExpectNoMsgAsync((untilWellPastTheDueTime > TimeSpan.Zero ? untilWellPastTheDueTime : TimeSpan.Zero) +
                                   TimeSpan.FromMilliseconds(700));
            Assert.Equal(0, Volatile.Read(ref actionRuns));
        }
        finally
        {
            Shutdown(system);
        }
    }
}
