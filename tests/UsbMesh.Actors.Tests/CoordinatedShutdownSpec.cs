using System.Collections.Concurrent;
using System.Diagnostics;
using Serilog;
using Serilog.Core;
using UsbMesh.Actors.Event;
using Xunit.Abstractions;
using SerilogEvent = Serilog.Events.LogEvent;

namespace UsbMesh.Actors.Tests;

public sealed class CoordinatedShutdownSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    /// <summary>Collects what Serilog writes; <paramref name="delayPerEvent"/> makes it a slow sink, like a file or the network.</summary>
    private sealed class CollectingSink(TimeSpan delayPerEvent = default) : ILogEventSink
    {
        public ConcurrentQueue<SerilogEvent> Events { get; } = new();

        public void Emit(SerilogEvent logEvent)
        {
            if (delayPerEvent > TimeSpan.Zero)
            {
                Thread.Sleep(delayPerEvent);
            }

            Events.Enqueue(logEvent);
        }
    }

    private static ActorSystem NewSystem(string name, TimeSpan? phaseTimeout = null, CollectingSink? sink = null)
    {
        var settings = ActorSystemSettings.Default;
        if (phaseTimeout is { } timeout)
        {
            settings = settings with { DefaultShutdownPhaseTimeout = timeout };
        }

        if (sink is not null)
        {
            settings = settings with { Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger() };
        }

        return ActorSystem.Create(name, settings);
    }

    private static Task Bounded(Task task) => task.WaitAsync(Dilated(TimeSpan.FromSeconds(20)));

    private sealed class StopRecorder(ConcurrentQueue<string> record, string name) : ReceiveActor
    {
        protected override void PostStop() => record.Enqueue("post-stop:" + name);
    }

    [Fact]
    public async Task Phases_run_in_order_each_after_the_previous_one_completed()
    {
        var system = NewSystem("phases-in-order");
        try
        {
            var record = new ConcurrentQueue<string>();
            var shutdown = CoordinatedShutdown.Get(system);
            // Added in reverse, so that the order cannot come from the order of adding.
            foreach (var phase in CoordinatedShutdown.Phases.Reverse())
            {
                shutdown.AddTask(phase, "record", async () =>
                {
                    record.Enqueue("start:" + phase);
                    await Task.Delay(30);
                    record.Enqueue("end:" + phase);
                });
            }

            await Bounded(shutdown.Run(CoordinatedShutdown.UnknownReason));

            var expected = CoordinatedShutdown.Phases.SelectMany(p => new[] { "start:" + p, "end:" + p });
            Assert.Equal(expected, record);
            await Bounded(system.WhenTerminated);
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task Tasks_of_one_phase_run_concurrently()
    {
        var system = NewSystem("phase-concurrency");
        try
        {
            var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sawEachOther = new ConcurrentQueue<string>();
            var limit = Dilated(TimeSpan.FromSeconds(3));
            var shutdown = CoordinatedShutdown.Get(system);
            // Each waits for the other to start: run one after the other, neither would see the other.
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "first", async () =>
            {
                firstStarted.TrySetResult();
                await secondStarted.Task.WaitAsync(limit);
                sawEachOther.Enqueue("first");
            });
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "second", async () =>
            {
                secondStarted.TrySetResult();
                await firstStarted.Task.WaitAsync(limit);
                sawEachOther.Enqueue("second");
            });

            await Bounded(system.Terminate());

            Assert.Equal(["first", "second"], sawEachOther.Order());
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task A_hanging_task_hits_the_phase_timeout_and_the_later_phases_still_run()
    {
        var phaseTimeout = TimeSpan.FromMilliseconds(300);
        var system = NewSystem("hanging-task", phaseTimeout);
        // A probe of the test's system sees what the terminating system publishes.
        var warnings = CreateTestProbe("warnings");
        system.EventStream.Subscribe(warnings.Ref, typeof(Warning));
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var laterPhaseRan = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            var stopwatch = Stopwatch.StartNew();
            var shutdown = CoordinatedShutdown.Get(system);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "hangs", () => never.Task);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "later", () =>
            {
                laterPhaseRan.TrySetResult(stopwatch.Elapsed);
                return Task.CompletedTask;
            });
            stopwatch.Restart();

            await Bounded(system.Terminate());

            Assert.True(laterPhaseRan.Task.IsCompletedSuccessfully, "the phase after the hanging one did not run");
            var waited = await laterPhaseRan.Task;
            Assert.True(waited >= phaseTimeout - TimeSpan.FromMilliseconds(15), $"the next phase started after only {waited.TotalMilliseconds:0} ms");
            Assert.False(never.Task.IsCompleted);
            var timedOut = await warnings.FishForMessageAsync(m => m is Warning w && w.RenderMessage().Contains("timed out", StringComparison.Ordinal));
            var text = ((Warning)timedOut).RenderMessage();
            Assert.Contains(CoordinatedShutdown.PhaseServiceUnbind, text);
            Assert.Contains("hangs", text);
        }
        finally
        {
            never.TrySetResult();
            Shutdown(system);
        }
    }

    [Fact]
    public async Task A_failing_task_does_not_stop_the_shutdown()
    {
        var system = NewSystem("failing-task");
        var warnings = CreateTestProbe("warnings");
        system.EventStream.Subscribe(warnings.Ref, typeof(Warning));
        try
        {
            var ran = new ConcurrentQueue<string>();
            var shutdown = CoordinatedShutdown.Get(system);
            shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "throws", () => throw new InvalidOperationException("sync boom"));
            shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "faults",
                () => Task.FromException(new InvalidOperationException("async boom")));
            shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "fine", () =>
            {
                ran.Enqueue("same phase");
                return Task.CompletedTask;
            });
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "later", () =>
            {
                ran.Enqueue("later phase");
                return Task.CompletedTask;
            });

            await Bounded(system.Terminate());

            Assert.Equal(["same phase", "later phase"], ran);
            var failures = new[]
            {
                (Warning)await warnings.FishForMessageAsync(m => m is Warning { Cause: InvalidOperationException }),
                (Warning)await warnings.FishForMessageAsync(m => m is Warning { Cause: InvalidOperationException }),
            };
            Assert.Equal(["async boom", "sync boom"], failures.Select(w => w.Cause!.Message).Order());
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task Run_twice_returns_the_same_task_and_keeps_the_first_reason()
    {
        var system = NewSystem("run-twice");
        try
        {
            var shutdown = CoordinatedShutdown.Get(system);
            var reason = new CoordinatedShutdown.Reason("maintenance");
            Assert.Null(shutdown.ShutdownReason);

            var first = shutdown.Run(reason);
            var second = shutdown.Run(CoordinatedShutdown.ClrExitReason);

            Assert.Same(first, second);
            Assert.Equal(reason, shutdown.ShutdownReason);
            await Bounded(first);
            await Bounded(system.WhenTerminated);
            Assert.Same(first, shutdown.Run(CoordinatedShutdown.UnknownReason));
            Assert.Equal(reason, shutdown.ShutdownReason);
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task AddTask_after_the_shutdown_started_throws()
    {
        var system = NewSystem("add-after-run");
        try
        {
            var shutdown = CoordinatedShutdown.Get(system);
            var run = shutdown.Run(CoordinatedShutdown.UnknownReason);

            Assert.Throws<InvalidOperationException>(() =>
                shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "too-late", () => Task.CompletedTask));
            await Bounded(run);
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public void AddTask_to_an_unknown_phase_or_without_a_name_throws()
    {
        var shutdown = CoordinatedShutdown.Get(Sys);

        var error = Assert.Throws<ArgumentException>(() => shutdown.AddTask("no-such-phase", "task", () => Task.CompletedTask));
        Assert.Contains("no-such-phase", error.Message);
        Assert.ThrowsAny<ArgumentException>(() => shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "", () => Task.CompletedTask));
        Assert.Throws<ArgumentNullException>(() => shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "task", null!));
        Assert.Null(shutdown.ShutdownReason);
    }

    [Fact]
    public async Task Terminate_runs_the_coordinated_shutdown_with_its_reason_and_completes_WhenTerminated()
    {
        var system = NewSystem("terminate-runs-it");
        try
        {
            var ran = new ConcurrentQueue<string>();
            var shutdown = CoordinatedShutdown.Get(system);
            Assert.Same(system.CoordinatedShutdown, shutdown);
            shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "first", () =>
            {
                ran.Enqueue("first");
                return Task.CompletedTask;
            });

            var terminated = system.Terminate();

            Assert.Same(system.WhenTerminated, terminated);
            await Bounded(terminated);
            Assert.Equal(["first"], ran);
            Assert.Equal(CoordinatedShutdown.ActorSystemTerminateReason, shutdown.ShutdownReason);
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task Actors_are_stopped_in_the_last_phase_after_the_earlier_phases()
    {
        var system = NewSystem("actors-stop-last");
        try
        {
            var record = new ConcurrentQueue<string>();
            system.ActorOf(Props.Create(() => new StopRecorder(record, "a")), "a");
            system.ActorOf(Props.Create(() => new StopRecorder(record, "b")), "b");
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "release", async () =>
            {
                await Task.Delay(50);
                record.Enqueue("released");
            });

            await Bounded(system.Terminate());

            var events = record.ToArray();
            Assert.Equal(3, events.Length);
            Assert.Equal("released", events[0]);
            Assert.Equal(["post-stop:a", "post-stop:b"], events.Skip(1).Order());
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public void TotalTimeout_is_the_sum_of_the_phase_timeouts()
    {
        var settings = ActorSystemSettings.Default with
        {
            DefaultShutdownPhaseTimeout = TimeSpan.FromSeconds(1),
            ShutdownPhaseTimeouts = ActorSystemSettings.Default.ShutdownPhaseTimeouts.SetItem(CoordinatedShutdown.PhaseServiceStop, TimeSpan.FromSeconds(7)),
        };
        var system = ActorSystem.Create("total-timeout", settings);
        try
        {
            // Four phases at the default, service-stop at 7 s, actor-system-terminate at its built-in 10 s.
            Assert.Equal(TimeSpan.FromSeconds(4 + 7 + 10), system.CoordinatedShutdown.TotalTimeout);
            Assert.Equal(TimeSpan.FromSeconds(7), settings.ShutdownPhaseTimeout(CoordinatedShutdown.PhaseServiceStop));
            Assert.Equal(TimeSpan.FromSeconds(1), settings.ShutdownPhaseTimeout(CoordinatedShutdown.PhaseServiceUnbind));
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task Log_events_published_during_the_shutdown_still_reach_Serilog()
    {
        const int count = 200;
        var sink = new CollectingSink(TimeSpan.FromMilliseconds(2));
        var system = NewSystem("logs-during-shutdown", sink: sink);
        try
        {
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "log", () =>
            {
                for (var i = 0; i < count; i++)
                {
                    system.Log.Warning("Releasing resource {Number}", i);
                }

                return Task.CompletedTask;
            });

            await Bounded(system.Terminate());

            // The loggers are stopped last so that they see everything: nothing logged before may be lost.
            var written = sink.Events.Count(e => e.MessageTemplate.Text == "Releasing resource {Number}");
            Assert.True(written == count, $"only {written} of {count} warnings logged during the shutdown reached Serilog");
        }
        finally
        {
            Shutdown(system);
        }
    }
}
