using System.Diagnostics;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class AskSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Question(string Text);

    private sealed record Fail(string Reason);

    private sealed record Silent;

    private sealed record WrongType;

    private sealed record Twice(string Text);

    private sealed class Answerer : ReceiveActor
    {
        public Answerer()
        {
            Receive<Question>(q => Sender.Tell("answer to " + q.Text));
            Receive<Fail>(f => Sender.Tell(new Status.Failure(new InvalidOperationException(f.Reason))));
            Receive<WrongType>(_ => Sender.Tell(42));
            Receive<Twice>(t =>
            {
                Sender.Tell(t.Text + " 1");
                Sender.Tell(t.Text + " 2");
            });
            Receive<Silent>(_ => { });
        }
    }

    /// <summary>Asks the target from inside an actor and pipes the answer to whoever asked it.</summary>
    private sealed class AskingActor : ReceiveActor
    {
        public AskingActor(IActorRef target)
        {
            ReceiveAsync<Question>(async q =>
            {
                var answer = await target.Ask<string>(q, TimeSpan.FromSeconds(3));
                Sender.Tell("relayed " + answer);
            });
        }
    }

    private IActorRef NewAnswerer(string name = "answerer") => Sys.ActorOf(Props.Create(() => new Answerer()), name);

    private static async Task<T> Bounded<T>(Task<T> task)
    {
        var limit = TestKitBase.Dilated(TimeSpan.FromSeconds(5));
        var winner = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(ReferenceEquals(winner, task), $"the ask did not complete within {limit.TotalMilliseconds:0} ms");
        return await task;
    }

    [Fact]
    public async Task Ask_completes_with_a_reply_of_the_expected_type()
    {
        var answerer = NewAnswerer();

        var answer = await Bounded(answerer.Ask<string>(new Question("life"), TimeSpan.FromSeconds(3)));

        Assert.Equal("answer to life", answer);
    }

    [Fact]
    public async Task Untyped_Ask_completes_with_whatever_is_replied()
    {
        var answerer = NewAnswerer();

        var answer = await Bounded(answerer.Ask(new WrongType(), TimeSpan.FromSeconds(3)));

        Assert.Equal(42, answer);
    }

    [Fact]
    public async Task Ask_without_explicit_timeout_uses_the_system_default_and_completes_with_the_reply()
    {
        var answerer = NewAnswerer();

        var answer = await Bounded(answerer.Ask<string>(new Question("default")));

        Assert.Equal("answer to default", answer);
    }

    [Fact]
    public async Task A_Status_Failure_reply_fails_the_task_with_its_cause()
    {
        var answerer = NewAnswerer();

        var task = answerer.Ask<string>(new Fail("no can do"), TimeSpan.FromSeconds(3));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Bounded(task));
        Assert.Equal("no can do", e.Message);
    }

    [Fact]
    public async Task A_reply_of_the_wrong_type_fails_the_task_with_InvalidCastException()
    {
        var answerer = NewAnswerer();

        var task = answerer.Ask<string>(new WrongType(), TimeSpan.FromSeconds(3));

        await Assert.ThrowsAsync<InvalidCastException>(() => Bounded(task));
    }

    [Fact]
    public async Task No_reply_fails_the_task_with_AskTimeoutException_after_the_timeout_not_before()
    {
        var answerer = NewAnswerer();
        var timeout = TimeSpan.FromMilliseconds(400);
        var clock = Stopwatch.StartNew();

        var task = answerer.Ask<string>(new Silent(), timeout);

        Assert.False(task.IsCompleted);
        await Assert.ThrowsAsync<AskTimeoutException>(() => Bounded(task));
        clock.Stop();
        // A timer may round a few milliseconds; what matters is that it never gives up long before the deadline.
        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(30),
            $"the ask timed out after {clock.Elapsed.TotalMilliseconds:0} ms, before its {timeout.TotalMilliseconds:0} ms timeout");
    }

    [Fact]
    public async Task An_ask_is_still_pending_well_before_its_timeout()
    {
        var answerer = NewAnswerer();
        var task = answerer.Ask<string>(new Silent(), TimeSpan.FromSeconds(30));

        // A round trip through the same actor proves the silent message was processed and left unanswered.
        Assert.Equal("answer to ping", await Bounded(answerer.Ask<string>(new Question("ping"), TimeSpan.FromSeconds(3))));

        Assert.False(task.IsCompleted);
    }

    [Fact]
    public async Task A_late_reply_after_the_timeout_goes_to_dead_letters()
    {
        var probe = CreateTestProbe("silent");
        var deadLetters = CreateTestProbe("deadLetters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        var task = probe.Ref.Ask<string>(new Question("late"), TimeSpan.FromMilliseconds(200));
        probe.ExpectMsg<Question>();
        var asker = probe.LastSender;
        await Assert.ThrowsAsync<AskTimeoutException>(() => Bounded(task));
        asker.Tell("too late", probe.Ref);

        deadLetters.ExpectMsg<DeadLetter>(d =>
        {
            Assert.Equal("too late", d.Message);
            Assert.Equal(asker, d.Recipient);
        });
    }

    [Fact]
    public async Task Only_the_first_reply_completes_the_ask_and_the_second_is_a_dead_letter()
    {
        var deadLetters = CreateTestProbe("deadLetters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var answerer = NewAnswerer();

        var answer = await Bounded(answerer.Ask<string>(new Twice("reply"), TimeSpan.FromSeconds(3)));

        Assert.Equal("reply 1", answer);
        deadLetters.ExpectMsg<DeadLetter>(d => Assert.Equal("reply 2", d.Message));
    }

    [Fact]
    public async Task The_temporary_asker_is_the_sender_the_target_sees()
    {
        var probe = CreateTestProbe();

        var task = probe.Ref.Ask<string>(new Question("who asks"), TimeSpan.FromSeconds(3));
        probe.ExpectMsg<Question>();

        Assert.NotEqual(TestActor, probe.LastSender);
        Assert.NotEqual(Sys.DeadLetters, probe.LastSender);
        Assert.Equal("temp", probe.LastSender.Path.Elements[0]);
        probe.Reply("me");
        Assert.Equal("me", await Bounded(task));
    }

    [Fact]
    public async Task Each_ask_gets_its_own_temporary_sender()
    {
        var probe = CreateTestProbe();

        var first = probe.Ref.Ask<string>(new Question("one"), TimeSpan.FromSeconds(3));
        var second = probe.Ref.Ask<string>(new Question("two"), TimeSpan.FromSeconds(3));
        probe.ExpectMsg<Question>(q => Assert.Equal("one", q.Text));
        var firstAsker = probe.LastSender;
        probe.ExpectMsg<Question>(q => Assert.Equal("two", q.Text));
        var secondAsker = probe.LastSender;

        Assert.NotEqual(firstAsker, secondAsker);
        secondAsker.Tell("for two", probe.Ref);
        firstAsker.Tell("for one", probe.Ref);
        Assert.Equal("for one", await Bounded(first));
        Assert.Equal("for two", await Bounded(second));
    }

    [Fact]
    public async Task Cancelling_the_token_cancels_the_ask_with_TaskCanceledException()
    {
        var answerer = NewAnswerer();
        using var cancellation = new CancellationTokenSource();

        var task = answerer.Ask<string>(new Silent(), TimeSpan.FromSeconds(30), cancellation.Token);
        Assert.False(task.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAsync<TaskCanceledException>(() => Bounded(task));
        Assert.True(task.IsCanceled);
    }

    [Fact]
    public async Task An_already_cancelled_token_cancels_the_ask_at_once()
    {
        var answerer = NewAnswerer();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var task = answerer.Ask<string>(new Question("never mind"), TimeSpan.FromSeconds(30), cancellation.Token);

        await Assert.ThrowsAsync<TaskCanceledException>(() => Bounded(task));
    }

    [Fact]
    public async Task A_token_cancels_an_ask_without_timeout()
    {
        var answerer = NewAnswerer();
        using var cancellation = new CancellationTokenSource();

        var task = answerer.Ask<string>(new Silent(), Timeout.InfiniteTimeSpan, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAsync<TaskCanceledException>(() => Bounded(task));
    }

    [Fact]
    public async Task Asking_a_stopped_actor_times_out_and_the_message_goes_to_dead_letters()
    {
        var deadLetters = CreateTestProbe("deadLetters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var answerer = NewAnswerer();
        Watch(answerer);
        Sys.Stop(answerer);
        await ExpectTerminatedAsync(answerer);

        var task = answerer.Ask<string>(new Question("anyone?"), TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAsync<AskTimeoutException>(() => Bounded(task));
        deadLetters.ExpectMsg<DeadLetter>(d =>
        {
            Assert.Equal(new Question("anyone?"), d.Message);
            Assert.Equal(answerer, d.Recipient);
            Assert.NotEqual(Sys.DeadLetters, d.Sender);
        });
    }

    [Fact]
    public async Task Asking_Nobody_fails_at_once()
    {
        var task = ActorRefs.Nobody.Ask<string>(new Question("hello?"), TimeSpan.FromSeconds(30));

        Assert.True(task.IsCompleted, "an ask of Nobody must not wait for its timeout");
        await Assert.ThrowsAsync<AskTimeoutException>(() => task);
    }

    [Fact]
    public async Task An_actor_can_ask_another_actor_and_relay_the_answer()
    {
        var answerer = NewAnswerer();
        var asking = Sys.ActorOf(Props.Create(() => new AskingActor(answerer)), "asking");

        asking.Tell(new Question("relay"), TestActor);

        await ExpectMsgAsync("relayed answer to relay");
        Assert.Equal(asking, LastSender);
    }
}
