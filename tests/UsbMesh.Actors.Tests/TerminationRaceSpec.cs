using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

/// <summary>
/// Races between termination and what other threads send meanwhile: a message sent while its receiver stops is
/// either processed or published as a dead letter, never lost; a watch registered while the subject stops always
/// yields its Terminated.
/// </summary>
public sealed class TerminationRaceSpec(ITestOutputHelper output) : TestKit.TestKit(output, ActorSystemSettings.Default with { LogDeadLetters = 0 })
{
    private sealed record Numbered(int Sender, int Seq);

    private sealed class Counting : ReceiveActor
    {
        public Counting(ConcurrentDictionary<Numbered, bool> processed) => Receive<Numbered>(n => processed[n] = true);
    }

    private sealed class DeadLetterCollector : ReceiveActor
    {
        public DeadLetterCollector(ConcurrentDictionary<Numbered, bool> dead)
        {
            Receive<DeadLetter>(d =>
            {
                if (d.Message is Numbered n)
                {
                    dead[n] = true;
                }
            });
            Receive<string>(_ => Sender.Tell(Done.Instance));
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));
    }

    [Fact]
    public void Every_message_sent_during_a_stop_is_either_processed_or_a_dead_letter()
    {
        const int senders = 4;
        const int perSender = 5_000;
        var processed = new ConcurrentDictionary<Numbered, bool>();
        var dead = new ConcurrentDictionary<Numbered, bool>();
        var collector = Sys.ActorOf(Props.Create(() => new DeadLetterCollector(dead)), "dead-letters");
        collector.Tell("subscribed?", TestActor);
        ExpectMsg<Done>();
        var target = Sys.ActorOf(Props.Create(() => new Counting(processed)), "target");
        using var go = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, senders).Select(s => new Thread(() =>
        {
            go.Wait();
            for (var i = 0; i < perSender; i++)
            {
                target.Tell(new Numbered(s, i), ActorRefs.NoSender);
            }
        })).ToList();
        threads.ForEach(t => t.Start());

        go.Set();
        Thread.Sleep(1);
        Sys.Stop(target);
        threads.ForEach(t => Assert.True(t.Join(Dilated(TimeSpan.FromSeconds(30)))));

        AwaitAssert(() =>
        {
            Assert.Equal(senders * perSender, processed.Count + dead.Count);
        }, Dilated(TimeSpan.FromSeconds(10)));
        Assert.Empty(processed.Keys.Intersect(dead.Keys));
    }

    [Fact]
    public async Task A_watch_registered_while_the_subject_stops_always_yields_terminated()
    {
        const int rounds = 200;
        for (var round = 0; round < rounds; round++)
        {
            var subject = Sys.ActorOf(Props.Create(() => new Counting(new ConcurrentDictionary<Numbered, bool>())));
            var watchers = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToList();
            var stopper = Task.Run(() => Sys.Stop(subject));
            await Task.WhenAll(watchers.Select(probe => Task.Run(() => probe.Watch(subject))).Append(stopper));

            foreach (var probe in watchers)
            {
                await probe.ExpectTerminatedAsync(subject, hint: $"round {round}");
            }
        }
    }
}
