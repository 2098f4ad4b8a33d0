using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class MessageOrderingSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Sequenced(int Producer, int Seq);

    private sealed record ReportRequest;

    private sealed record Report(long[] Counts, long Violations, string? FirstViolation);

    /// <summary>Checks that every producer's sequence numbers arrive as 0, 1, 2, … with nothing skipped or repeated.</summary>
    private sealed class SequenceChecker(int producers) : UntypedActor
    {
        private readonly long[] _counts = new long[producers];
        private readonly int[] _next = new int[producers];
        private long _violations;
        private string? _firstViolation;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case Sequenced s:
                    if (s.Seq != _next[s.Producer])
                    {
                        _violations++;
                        _firstViolation ??= $"producer {s.Producer}: expected {_next[s.Producer]} but got {s.Seq}";
                    }

                    _next[s.Producer] = s.Seq + 1;
                    _counts[s.Producer]++;
                    break;
                case ReportRequest:
                    Sender.Tell(new Report((long[])_counts.Clone(), _violations, _firstViolation));
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }

    [Fact]
    public void Order_is_preserved_per_sender_under_eight_concurrent_producers_and_no_message_is_lost()
    {
        const int producers = 8;
        const int perProducer = 125_000;
        var checker = Sys.ActorOf(Props.Create(() => new SequenceChecker(producers)), "checker");
        using var start = new ManualResetEventSlim();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
        {
            try
            {
                start.Wait();
                for (var seq = 0; seq < perProducer; seq++)
                {
                    checker.Tell(new Sequenced(p, seq), ActorRefs.NoSender);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })
        { IsBackground = true, Name = $"producer-{p}" }).ToList();

        threads.ForEach(t => t.Start());
        start.Set();
        var joinLimit = Dilated(TimeSpan.FromSeconds(60));
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(joinLimit), $"{thread.Name} did not finish sending within {joinLimit}");
        }

        Assert.Empty(failures);
        // Sent after every producer has finished, so it is queued behind all their messages.
        checker.Tell(new ReportRequest(), TestActor);
        var report = ExpectMsg<Report>(TimeSpan.FromSeconds(60));

        Assert.True(report.Violations == 0, $"{report.Violations} out-of-order messages; first: {report.FirstViolation}");
        Assert.All(report.Counts, count => Assert.Equal(perProducer, count));
        Assert.Equal((long)producers * perProducer, report.Counts.Sum());
    }

    /// <summary>Sends a numbered burst to its target from inside an actor, so the sender is this actor.</summary>
    private sealed class BurstSender(IActorRef target, int producer, int count) : ReceiveActor
    {
        protected override void PreStart()
        {
            for (var seq = 0; seq < count; seq++)
            {
                target.Tell(new Sequenced(producer, seq));
            }
        }
    }

    [Fact]
    public void Order_is_preserved_between_actors_on_different_dispatcher_threads()
    {
        const int producers = 4;
        const int perProducer = 50_000;
        var checker = Sys.ActorOf(Props.Create(() => new SequenceChecker(producers)), "checker");
        for (var p = 0; p < producers; p++)
        {
            var producer = p;
            Sys.ActorOf(Props.Create(() => new BurstSender(checker, producer, perProducer)), $"sender-{producer}");
        }

        Report? report = null;
        AwaitAssert(() =>
        {
            checker.Tell(new ReportRequest(), TestActor);
            report = ExpectMsg<Report>(TimeSpan.FromSeconds(10));
            Assert.Equal((long)producers * perProducer, report.Counts.Sum());
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

        Assert.True(report!.Violations == 0, $"{report.Violations} out-of-order messages; first: {report.FirstViolation}");
        Assert.All(report.Counts, count => Assert.Equal(perProducer, count));
    }
}
