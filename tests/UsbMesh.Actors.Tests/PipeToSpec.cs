using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class PipeToSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Fetch(Task<int> Work);

    private sealed record Fetched(int Value);

    /// <summary>Starts work without blocking, pipes the outcome to itself with the requester as sender, and answers
    /// the requester when the outcome arrives.</summary>
    private sealed class Fetcher : ReceiveActor
    {
        public Fetcher()
        {
            Receive<Fetch>(f => f.Work.PipeTo(Self, Sender, success: v => new Fetched(v)));
            Receive<Fetched>(f => Sender.Tell("fetched " + f.Value));
            Receive<Status.Failure>(f => Sender.Tell("failed " + f.Cause.Message));
        }
    }

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public void A_successful_task_delivers_its_result()
    {
        var source = NewSource<int>();
        _ = source.Task.PipeTo(TestActor);

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        source.SetResult(42);

        ExpectMsg(42);
    }

    [Fact]
    public void An_already_completed_task_delivers_its_result()
    {
        _ = Task.FromResult("done").PipeTo(TestActor);

        ExpectMsg("done");
    }

    [Fact]
    public void The_success_function_maps_the_result()
    {
        var source = NewSource<int>();
        _ = source.Task.PipeTo(TestActor, success: v => $"mapped {v * 2}");

        source.SetResult(21);

        ExpectMsg("mapped 42");
    }

    [Fact]
    public void A_faulted_task_delivers_Status_Failure_with_the_unwrapped_exception()
    {
        var source = NewSource<int>();
        _ = source.Task.PipeTo(TestActor);

        source.SetException(new InvalidOperationException("broken"));

        var failure = ExpectMsg<Status.Failure>();
        var cause = Assert.IsType<InvalidOperationException>(failure.Cause);
        Assert.Equal("broken", cause.Message);
    }

    [Fact]
    public void An_exception_thrown_by_an_async_method_arrives_unwrapped()
    {
        static async Task<int> Work()
        {
            await Task.Yield();
            throw new ArgumentOutOfRangeException(nameof(Work), "thrown after await");
        }

        _ = Work().PipeTo(TestActor);

        ExpectMsg<Status.Failure>(f => Assert.IsType<ArgumentOutOfRangeException>(f.Cause));
    }

    [Fact]
    public void The_failure_function_maps_the_exception()
    {
        var source = NewSource<int>();
        _ = source.Task.PipeTo(TestActor, failure: e => "mapped " + e.GetType().Name);

        source.SetException(new TimeoutException());

        ExpectMsg("mapped TimeoutException");
    }

    [Fact]
    public void A_cancelled_task_delivers_Status_Failure_with_TaskCanceledException()
    {
        var source = NewSource<int>();
        _ = source.Task.PipeTo(TestActor);

        source.SetCanceled();

        ExpectMsg<Status.Failure>(f => Assert.IsType<TaskCanceledException>(f.Cause));
    }

    [Fact]
    public void The_given_sender_is_passed_along()
    {
        var probe = CreateTestProbe();
        var source = NewSource<string>();
        _ = source.Task.PipeTo(TestActor, probe.Ref);

        source.SetResult("with sender");

        ExpectMsg("with sender");
        Assert.Equal(probe.Ref, LastSender);
    }

    [Fact]
    public void Without_a_sender_the_recipient_sees_dead_letters_as_sender()
    {
        _ = Task.FromResult("anonymous").PipeTo(TestActor);

        ExpectMsg("anonymous");
        Assert.Equal(Sys.DeadLetters, LastSender);
    }

    [Fact]
    public void A_task_without_result_delivers_Status_Success()
    {
        var source = NewSource();
        _ = source.Task.PipeTo(TestActor);

        source.SetResult();

        ExpectMsg<Status.Success>(s => Assert.Null(s.Status));
    }

    [Fact]
    public void A_task_without_result_uses_the_success_function()
    {
        var source = NewSource();
        _ = source.Task.PipeTo(TestActor, success: () => "finished");

        source.SetResult();

        ExpectMsg("finished");
    }

    [Fact]
    public void A_faulted_task_without_result_delivers_Status_Failure()
    {
        var source = NewSource();
        _ = source.Task.PipeTo(TestActor, TestActor);

        source.SetException(new InvalidOperationException("no result, no luck"));

        ExpectMsg<Status.Failure>(f => Assert.Equal("no result, no luck", Assert.IsType<InvalidOperationException>(f.Cause).Message));
    }

    [Fact]
    public void An_actor_pipes_to_itself_and_answers_the_original_sender()
    {
        var requester = CreateTestProbe("requester");
        var fetcher = Sys.ActorOf(Props.Create(() => new Fetcher()), "fetcher");
        var work = NewSource<int>();

        fetcher.Tell(new Fetch(work.Task), requester.Ref);
        // The fetcher is not blocked while the work runs.
        fetcher.Tell(new Fetched(1), TestActor);
        ExpectMsg("fetched 1");
        work.SetResult(7);

        requester.ExpectMsg("fetched 7");
        Assert.Equal(fetcher, requester.LastSender);
    }

    [Fact]
    public void An_actor_piping_a_failure_to_itself_answers_the_original_sender()
    {
        var requester = CreateTestProbe("requester");
        var fetcher = Sys.ActorOf(Props.Create(() => new Fetcher()), "fetcher");
        var work = NewSource<int>();

        fetcher.Tell(new Fetch(work.Task), requester.Ref);
        work.SetException(new InvalidOperationException("backend down"));

        requester.ExpectMsg("failed backend down");
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
