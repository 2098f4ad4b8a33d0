using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using UsbMesh.Actors.Event;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed partial class TestKitSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            ReceiveAny(m => Sender.Tell(m));
        }
    }

    private sealed class InfoLogger : ReceiveActor
    {
        public InfoLogger()
        {
            var log = Context.GetLogger();
            Receive<int>(n =>
            {
                for (var i = 0; i < n; i++)
                {
                    log.Info("line {Number}", i);
                }
            });
        }
    }

    private sealed class AttemptFailed(int attempt) : Exception($"attempt {attempt}")
    {
        public int Attempt { get; } = attempt;
    }

    [GeneratedRegex(@"Timeout \((\d+) ms\)")]
    private static partial Regex TimeoutInMessage();

    private static double ReportedTimeoutMs(Exception failure)
    {
        var match = TimeoutInMessage().Match(failure.Message);
        Assert.True(match.Success, $"no timeout in: {failure.Message}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void ExpectMsg_fails_with_TestKitFailure_on_timeout()
    {
        var failure = Assert.Throws<TestKitFailure>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(100)));

        Assert.Contains("String", failure.Message);
        Assert.Equal(Math.Round(Dilated(TimeSpan.FromMilliseconds(100)).TotalMilliseconds), ReportedTimeoutMs(failure));
    }

    [Fact]
    public void ExpectMsg_fails_on_a_message_of_the_wrong_type()
    {
        TestActor.Tell(42, ActorRefs.NoSender);

        var failure = Assert.Throws<TestKitFailure>(() => ExpectMsg<string>());

        Assert.Contains("42", failure.Message);
    }

    [Fact]
    public void ExpectMsg_fails_on_the_wrong_value()
    {
        TestActor.Tell("actual", ActorRefs.NoSender);

        var failure = Assert.Throws<TestKitFailure>(() => ExpectMsg("expected"));

        Assert.Contains("expected", failure.Message);
        Assert.Contains("actual", failure.Message);
    }

    [Fact]
    public void ExpectMsg_fails_when_the_predicate_is_false()
    {
        TestActor.Tell(3, ActorRefs.NoSender);
        TestActor.Tell(4, ActorRefs.NoSender);

        Assert.Throws<TestKitFailure>(() => ExpectMsg<int>(n => n % 2 == 0));
        Assert.Equal(4, ExpectMsg<int>(n => n % 2 == 0));
    }

    [Fact]
    public void ExpectMsg_with_an_assertion_propagates_its_failure()
    {
        TestActor.Tell(3, ActorRefs.NoSender);

        Assert.ThrowsAny<Exception>(() => ExpectMsg<int>(n => Assert.Equal(4, n)));
    }

    [Fact]
    public void ExpectMsg_returns_the_message_and_records_its_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        echo.Tell("hello", TestActor);

        Assert.Equal("hello", ExpectMsg<string>());
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        TestActor.Tell("unexpected", ActorRefs.NoSender);

        var failure = Assert.Throws<TestKitFailure>(() => ExpectNoMsg(TimeSpan.FromMilliseconds(500)));

        Assert.Contains("unexpected", failure.Message);
    }

    [Fact]
    public void ExpectNoMsg_passes_when_nothing_arrives()
    {
        var stopwatch = Stopwatch.StartNew();

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Assert.True(stopwatch.Elapsed >= Dilated(TimeSpan.FromMilliseconds(200)) - TimeSpan.FromMilliseconds(15));
    }

    [Fact]
    public void ExpectMsgAllOf_accepts_any_order()
    {
        foreach (var m in new[] { "c", "a", "b" })
        {
            TestActor.Tell(m, ActorRefs.NoSender);
        }

        var received = ExpectMsgAllOf("a", "b", "c");

        Assert.Equal(["c", "a", "b"], received);
    }

    [Fact]
    public void ExpectMsgAllOf_fails_when_one_is_missing()
    {
        TestActor.Tell("a", ActorRefs.NoSender);
        TestActor.Tell("b", ActorRefs.NoSender);

        Assert.Throws<TestKitFailure>(() => ExpectMsgAllOfWithin(TimeSpan.FromMilliseconds(300), "a", "b", "c"));
    }

    [Fact]
    public void ExpectMsgAllOf_fails_when_another_message_takes_the_place_of_one()
    {
        foreach (var m in new[] { "a", "x", "b" })
        {
            TestActor.Tell(m, ActorRefs.NoSender);
        }

        var failure = Assert.Throws<TestKitFailure>(() => ExpectMsgAllOf("a", "b", "c"));

        Assert.Contains("c", failure.Message);
        Assert.Contains("x", failure.Message);
    }

    [Fact]
    public void FishForMessage_skips_messages_that_do_not_match()
    {
        foreach (var n in new[] { 1, 3, 4, 5 })
        {
            TestActor.Tell(n, ActorRefs.NoSender);
        }

        Assert.Equal(4, FishForMessage<int>(n => n % 2 == 0));
        ExpectMsg(5);
    }

    [Fact]
    public void FishForMessage_fails_when_nothing_matches_in_time()
    {
        TestActor.Tell(1, ActorRefs.NoSender);

        var failure = Assert.Throws<TestKitFailure>(() => FishForMessage(m => m is string, TimeSpan.FromMilliseconds(300)));

        Assert.Contains("1", failure.Message);
    }

    [Fact]
    public void ReceiveN_and_ReceiveOne_take_messages_in_order()
    {
        for (var i = 0; i < 3; i++)
        {
            TestActor.Tell(i, ActorRefs.NoSender);
        }

        Assert.Equal([0, 1], ReceiveN(2));
        Assert.Equal(2, ReceiveOne());
        Assert.Null(ReceiveOne(TimeSpan.FromMilliseconds(100)));
        Assert.Throws<TestKitFailure>(() => ReceiveN(1, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void Within_fails_when_the_block_takes_longer_than_the_dilated_max()
    {
        var failure = Assert.Throws<TestKitFailure>(() =>
            Within(TimeSpan.FromMilliseconds(100), () => Thread.Sleep(Dilated(TimeSpan.FromMilliseconds(400)))));

        Assert.Contains("more than the maximum", failure.Message);
    }

    [Fact]
    public void Within_fails_when_the_block_is_shorter_than_min()
    {
        var failure = Assert.Throws<TestKitFailure>(() =>
            Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), () => { }));

        Assert.Contains("less than the minimum", failure.Message);
    }

    [Fact]
    public void Within_passes_and_returns_the_result_of_the_block()
    {
        TestActor.Tell("inside", ActorRefs.NoSender);

        var result = Within(TimeSpan.FromSeconds(5), () => ExpectMsg<string>());

        Assert.Equal("inside", result);
    }

    [Fact]
    public void Inside_Within_an_expectation_without_timeout_uses_the_remaining_time()
    {
        var max = TimeSpan.FromMilliseconds(400);

        var failure = Assert.Throws<TestKitFailure>(() => Within(max, () => ExpectMsg<string>()));

        // Outside a Within the default (3 s, dilated) would apply.
        Assert.True(ReportedTimeoutMs(failure) <= Dilated(max).TotalMilliseconds, failure.Message);
        Assert.True(RemainingOrDefault == Dilated(TestKitSettings.DefaultTimeout), "the Within budget leaked out of the block");
    }

    [Fact]
    public void Nested_Within_cannot_extend_the_outer_budget()
    {
        var failure = Assert.Throws<TestKitFailure>(() =>
            Within(TimeSpan.FromMilliseconds(300), () => Within(TimeSpan.FromSeconds(20), () => ExpectMsg<string>())));

        Assert.True(ReportedTimeoutMs(failure) <= Dilated(TimeSpan.FromMilliseconds(300)).TotalMilliseconds, failure.Message);
    }

    [Fact]
    public void AwaitAssert_retries_until_the_assertion_passes()
    {
        var calls = 0;

        AwaitAssert(() =>
        {
            calls++;
            Assert.True(calls >= 3, $"call {calls}");
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));

        Assert.Equal(3, calls);
    }

    [Fact]
    public void AwaitAssert_rethrows_the_last_failure_on_timeout()
    {
        var calls = 0;

        var failure = Assert.Throws<AttemptFailed>(() =>
            AwaitAssert(() => throw new AttemptFailed(++calls), TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(20)));

        Assert.True(calls > 1, $"only {calls} attempt(s)");
        Assert.Equal(calls, failure.Attempt);
    }

    [Fact]
    public void AwaitCondition_waits_for_the_condition_and_fails_on_timeout()
    {
        var flag = 0;
        var setter = new Thread(() =>
        {
            Thread.Sleep(100);
            Volatile.Write(ref flag, 1);
        });
        setter.Start();

        AwaitCondition(() => Volatile.Read(ref flag) == 1, TimeSpan.FromSeconds(10));
        setter.Join();

        var failure = Assert.Throws<TestKitFailure>(() =>
            AwaitCondition(() => false, TimeSpan.FromMilliseconds(200), message: "the impossible"));
        Assert.Contains("the impossible", failure.Message);
    }

    [Fact]
    public void EventFilter_Expect_passes_on_the_exact_count()
    {
        var logger = Sys.ActorOf(Props.Create(() => new InfoLogger()), "logger");

        EventFilter.Info(start: "line").Expect(3, () => logger.Tell(3));
    }

    [Fact]
    public void EventFilter_Expect_fails_when_fewer_events_arrive()
    {
        var logger = Sys.ActorOf(Props.Create(() => new InfoLogger()), "logger");

        var failure = Assert.Throws<TestKitFailure>(() =>
            EventFilter.Info(start: "line").Expect(3, () => logger.Tell(2), TimeSpan.FromMilliseconds(500)));

        Assert.Contains("saw 2", failure.Message);
    }

    [Fact]
    public void EventFilter_Expect_zero_fails_when_a_matching_event_arrives()
    {
        var logger = Sys.ActorOf(Props.Create(() => new InfoLogger()), "logger");

        Assert.Throws<TestKitFailure>(() =>
            EventFilter.Info(start: "line").Expect(0, () => logger.Tell(1), TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void EventFilter_ignores_events_that_do_not_match()
    {
        var logger = Sys.ActorOf(Props.Create(() => new InfoLogger()), "logger");

        var failure = Assert.Throws<TestKitFailure>(() =>
            EventFilter.Warning(start: "line").Expect(1, () => logger.Tell(1), TimeSpan.FromMilliseconds(500)));

        Assert.Contains("saw 0", failure.Message);
    }

    [Fact]
    public void TestProbe_Send_Reply_and_Forward_keep_the_senders_right()
    {
        var alice = CreateTestProbe("alice");
        var bob = CreateTestProbe("bob");

        alice.Send(bob.Ref, "hi bob");
        bob.ExpectMsg("hi bob");
        Assert.Equal(alice.Ref, bob.LastSender);

        bob.Reply("hi alice");
        alice.ExpectMsg("hi alice");
        Assert.Equal(bob.Ref, alice.LastSender);

        bob.Forward(TestActor, "from alice, via bob");
        ExpectMsg("from alice, via bob");
        Assert.Equal(alice.Ref, LastSender);

        bob.Tell("told", TestActor);
        bob.ExpectMsg("told");
        Assert.Equal(TestActor, bob.LastSender);
        Assert.NotEqual(alice.Ref, bob.Ref);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        alice.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Watch_and_ExpectTerminated_see_an_actor_die()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "mortal");
        Watch(echo);

        echo.Tell(PoisonPill.Instance);

        var terminated = ExpectTerminated(echo);
        Assert.Equal(echo, terminated.ActorRef);
        Assert.True(terminated.ExistenceConfirmed);
    }

    [Fact]
    public void ExpectTerminated_fails_for_another_actor()
    {
        var a = Sys.ActorOf(Props.Create(() => new Echo()), "a");
        var b = Sys.ActorOf(Props.Create(() => new Echo()), "b");
        Watch(a);

        Sys.Stop(a);

        Assert.Throws<TestKitFailure>(() => ExpectTerminated(b));
    }

    [Fact]
    public async Task Async_twins_behave_like_the_synchronous_methods()
    {
        var probe = CreateTestProbe();
        TestActor.Tell("one", ActorRefs.NoSender);
        TestActor.Tell(2, ActorRefs.NoSender);
        TestActor.Tell(3, ActorRefs.NoSender);
        TestActor.Tell("four", ActorRefs.NoSender);

        Assert.Equal("one", await ExpectMsgAsync<string>());
        Assert.Equal(2, await ExpectMsgAsync(2));
        Assert.Equal(3, await ExpectMsgAsync<int>(n => n == 3));
        Assert.Equal("four", await FishForMessageAsync(m => m is "four"));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<TestKitFailure>(() => ExpectMsgAsync<string>(TimeSpan.FromMilliseconds(100)));

        probe.Send(TestActor, "x");
        probe.Send(TestActor, "y");
        var both = await ExpectMsgAllOfAsync<string>(null, ["y", "x"]);
        Assert.Equal(new[] { "x", "y" }, both);
        await Assert.ThrowsAsync<TestKitFailure>(() => ReceiveNAsync(1, TimeSpan.FromMilliseconds(100)));

        await WithinAsync(TimeSpan.FromSeconds(5), async () =>
        {
            TestActor.Tell("in time", ActorRefs.NoSender);
            await ExpectMsgAsync("in time");
        });
        await Assert.ThrowsAsync<TestKitFailure>(() =>
            WithinAsync(TimeSpan.FromMilliseconds(100), () => Task.Delay(Dilated(TimeSpan.FromMilliseconds(400)))));

        var calls = 0;
        await AwaitAssertAsync(() =>
        {
            calls++;
            Assert.True(calls >= 2);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));
        await AwaitConditionAsync(() => Task.FromResult(calls == 2), TimeSpan.FromSeconds(1));

        var logger = Sys.ActorOf(Props.Create(() => new InfoLogger()), "logger");
        await EventFilter.Info(start: "line").ExpectAsync(2, () =>
        {
            logger.Tell(2);
            return Task.CompletedTask;
        });
        Assert.Null(await ReceiveOneAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void Dilated_multiplies_by_the_time_factor()
    {
        Assert.True(TestKitSettings.TimeFactor > 0);
        var duration = TimeSpan.FromMilliseconds(250);

        var expected = TimeSpan.FromTicks((long)(duration.Ticks * TestKitSettings.TimeFactor));
        Assert.Equal(expected, TestKitSettings.Dilated(duration));
        Assert.Equal(expected, Dilated(duration));
        Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, Dilated(System.Threading.Timeout.InfiniteTimeSpan));
        Assert.Equal(Dilated(TestKitSettings.DefaultTimeout), RemainingOrDefault);
    }

    [Fact]
    public void Explicit_timeouts_are_dilated()
    {
        var failure = Assert.Throws<TestKitFailure>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(150)));

        Assert.Equal(Math.Round(150 * TestKitSettings.TimeFactor), ReportedTimeoutMs(failure));
    }
}
