using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ReceiveAsyncSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Slow(Task Gate);

    private sealed record Delayed(TimeSpan Delay);

    private sealed record Check(Task Gate, IActorRef Probe);

    private sealed record ContextReport(
        bool SelfUnchanged, bool SenderUnchanged, bool ContextSelfUnchanged, bool ContextSenderUnchanged, IActorRef Sender);

    private sealed record Work(int N);

    private sealed record GetResult;

    private sealed record Result(int MaxConcurrent, int[] Order);

    private sealed record Boom(bool BeforeAwait);

    private sealed record SwitchAfterAwait(Task Gate);

    /// <summary>An async handler that waits for a gate, next to a synchronous one.</summary>
    private sealed class Holder : ReceiveActor
    {
        public Holder()
        {
            ReceiveAsync<Slow>(async s =>
            {
                Sender.Tell("slow started");
                await s.Gate;
                Sender.Tell("slow done");
            });
            ReceiveAsync<Delayed>(async d =>
            {
                await Task.Delay(d.Delay);
                Sender.Tell("delayed done");
            });
            Receive<string>(s => Sender.Tell("fast " + s));
        }
    }

    private sealed class ContextChecker : ReceiveActor
    {
        public ContextChecker()
        {
            ReceiveAsync<Check>(async c =>
            {
                var self = Self;
                var sender = Sender;
                await Task.Yield();
                await c.Gate;
                await Task.Delay(1);
                c.Probe.Tell(new ContextReport(
                    Self.Equals(self), Sender.Equals(sender), Context.Self.Equals(self), Context.Sender.Equals(sender), Sender));
                // Implicit sender: only code running inside the actor sends with Self as sender.
                Sender.Tell("after await");
            });
            Receive<string>(s => Sender.Tell("fast " + s));
        }
    }

    private sealed class ConcurrencyCounter : ReceiveActor
    {
        private readonly List<int> _order = [];
        private int _active;
        private int _maxActive;

        public ConcurrencyCounter()
        {
            ReceiveAsync<Work>(async w =>
            {
                var now = Interlocked.Increment(ref _active);
                RecordMax(now);
                if (w.N % 4 == 0)
                {
                    await Task.Delay(1);
                }
                else
                {
                    await Task.Yield();
                }

                RecordMax(Volatile.Read(ref _active));
                lock (_order)
                {
                    _order.Add(w.N);
                }

                Interlocked.Decrement(ref _active);
            });
            Receive<GetResult>(_ =>
            {
                lock (_order)
                {
                    Sender.Tell(new Result(Volatile.Read(ref _maxActive), [.. _order]));
                }
            });
        }

        private void RecordMax(int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref _maxActive)) &&
                   Interlocked.CompareExchange(ref _maxActive, value, seen) != seen)
            {
            }
        }
    }

    private sealed class AsyncFailer : ReceiveActor
    {
        private readonly IActorRef _probe;

        public AsyncFailer(IActorRef probe)
        {
            _probe = probe;
            ReceiveAsync<Boom>(async b =>
            {
                if (b.BeforeAwait)
                {
                    throw new InvalidOperationException("async boom before await");
                }

                await Task.Yield();
                throw new InvalidOperationException("async boom after await");
            });
            Receive<string>(s => Sender.Tell("fast " + s));
        }

        protected override void PostRestart(Exception reason) => _probe.Tell("restarted after " + reason.Message);
    }

    private sealed class AnyAsync : ReceiveActor
    {
        public AnyAsync()
        {
            ReceiveAsync<int>(async i =>
            {
                await Task.Yield();
                Sender.Tell("positive " + i);
            }, shouldHandle: i => i > 0);
            ReceiveAnyAsync(async m =>
            {
                await Task.Yield();
                Sender.Tell("any " + m);
            });
        }
    }

    private sealed class Switcher : ReceiveActor
    {
        public Switcher()
        {
            ReceiveAsync<SwitchAfterAwait>(async s =>
            {
                await s.Gate;
                Become(() => Receive<string>(x => Sender.Tell("switched " + x)));
            });
            Receive<string>(x => Sender.Tell("initial " + x));
        }
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public void An_async_handler_holds_the_mailbox_until_its_task_completes()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Holder()), "holder");
        var gate = NewGate();

        actor.Tell(new Slow(gate.Task), TestActor);
        actor.Tell("second", TestActor);

        ExpectMsg("slow started");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        gate.SetResult();
        ExpectMsg("slow done");
        ExpectMsg("fast second");
    }

    [Fact]
    public void A_message_behind_a_delayed_handler_is_processed_after_it()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Holder()), "holder");

        actor.Tell(new Delayed(TimeSpan.FromMilliseconds(100)), TestActor);
        actor.Tell("second", TestActor);

        ExpectMsg("delayed done");
        ExpectMsg("fast second");
    }

    [Fact]
    public void Several_async_messages_complete_in_the_order_they_were_sent()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Holder()), "holder");
        var first = NewGate();
        var second = NewGate();

        actor.Tell(new Slow(first.Task), TestActor);
        actor.Tell(new Slow(second.Task), TestActor);
        ExpectMsg("slow started");
        // The second handler may not start, let alone finish, while the first is waiting.
        second.SetResult();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        first.SetResult();

        ExpectMsg("slow done");
        ExpectMsg("slow started");
        ExpectMsg("slow done");
    }

    [Fact]
    public void After_await_Self_Sender_and_Context_are_still_valid_and_the_code_runs_inside_the_actor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ContextChecker()), "checker");
        var probe = CreateTestProbe("reports");
        var other = CreateTestProbe("other");
        var gate = NewGate();

        actor.Tell(new Check(gate.Task, probe.Ref), TestActor);
        // Queued behind the check with another sender: it must not leak into the awaiting handler.
        actor.Tell("interloper", other.Ref);
        gate.SetResult();

        probe.ExpectMsg<ContextReport>(r =>
        {
            Assert.True(r.SelfUnchanged, "Self changed across await");
            Assert.True(r.SenderUnchanged, $"Sender changed across await to {r.Sender}");
            Assert.True(r.ContextSelfUnchanged, "Context.Self changed across await");
            Assert.True(r.ContextSenderUnchanged, "Context.Sender changed across await");
            Assert.Equal(TestActor, r.Sender);
        });
        Assert.Equal(actor, probe.LastSender);
        ExpectMsg("after await");
        Assert.Equal(actor, LastSender);
        other.ExpectMsg("fast interloper");
    }

    [Fact]
    public void Async_handlers_never_run_concurrently_and_finish_in_order()
    {
        const int count = 24;
        var actor = Sys.ActorOf(Props.Create(() => new ConcurrencyCounter()), "counter");

        for (var n = 0; n < count; n++)
        {
            actor.Tell(new Work(n), TestActor);
        }

        actor.Tell(new GetResult(), TestActor);

        var result = ExpectMsg<Result>();
        Assert.Equal(1, result.MaxConcurrent);
        Assert.Equal(Enumerable.Range(0, count), result.Order);
    }

    [Fact]
    public void Become_after_an_await_applies_to_the_next_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Switcher()), "switcher");
        var gate = NewGate();

        actor.Tell("one", TestActor);
        ExpectMsg("initial one");
        actor.Tell(new SwitchAfterAwait(gate.Task), TestActor);
        actor.Tell("two", TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        gate.SetResult();

        ExpectMsg("switched two");
    }

    [Fact]
    public void A_task_that_faults_after_an_await_fails_and_restarts_the_actor()
    {
        var probe = CreateTestProbe("restarts");
        var actor = Sys.ActorOf(Props.Create(() => new AsyncFailer(probe.Ref)), "failer");

        EventFilter.Exception<InvalidOperationException>(contains: "async boom after await").ExpectOne(() =>
        {
            actor.Tell(new Boom(BeforeAwait: false), TestActor);
            actor.Tell("queued behind the failure", TestActor);
        });

        probe.ExpectMsg("restarted after async boom after await");
        ExpectMsg("fast queued behind the failure");
        actor.Tell("later", TestActor);
        ExpectMsg("fast later");
    }

    [Fact]
    public void A_task_that_faults_before_its_first_await_fails_and_restarts_the_actor()
    {
        var probe = CreateTestProbe("restarts");
        var actor = Sys.ActorOf(Props.Create(() => new AsyncFailer(probe.Ref)), "failer");

        EventFilter.Exception<InvalidOperationException>(contains: "async boom before await")
            .ExpectOne(() => actor.Tell(new Boom(BeforeAwait: true), TestActor));

        probe.ExpectMsg("restarted after async boom before await");
        actor.Tell("later", TestActor);
        ExpectMsg("fast later");
    }

    [Fact]
    public void ReceiveAnyAsync_handles_what_earlier_handlers_did_not()
    {
        var actor = Sys.ActorOf(Props.Create(() => new AnyAsync()), "any");

        actor.Tell(1, TestActor);
        actor.Tell(-1, TestActor);
        actor.Tell("text", TestActor);

        ExpectMsg("positive 1");
        ExpectMsg("any -1");
        ExpectMsg("any text");
    }

    [Fact]
    public void Stopping_an_actor_while_it_awaits_stops_it_and_the_rest_of_the_handler_never_runs()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Holder()), "holder");
        var gate = NewGate();
        actor.Tell(new Slow(gate.Task), TestActor);
        ExpectMsg("slow started");
        Watch(actor);

        Sys.Stop(actor);

        ExpectTerminated(actor);
        gate.SetResult();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
