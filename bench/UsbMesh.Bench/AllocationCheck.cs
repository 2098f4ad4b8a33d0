using System.Diagnostics;
using UsbMesh.Actors;

namespace UsbMesh.Bench;

/// <summary>
/// A quick allocation check without BenchmarkDotNet: after a warm-up, counts the bytes the whole process allocates
/// (every thread, <see cref="GC.GetTotalAllocatedBytes(bool)"/> precise) while one actor receives one million tells of a
/// cached message, and reports bytes per tell. Also reports the other patterns for reference.
/// </summary>
internal static class AllocationCheck
{
    private const int Tells = 1_000_000;
    private const int Rounds = 3;

    /// <summary>Steady-state bytes per tell above which the check fails; 0 B is the target, this absorbs one-off runtime noise.</summary>
    private const double MaxBytesPerTell = 0.01;

    public static int Run()
    {
        Console.WriteLine($"Allocation check: {Tells:N0} messages per round, {Rounds} rounds after warm-up; bytes per message (all threads).");
        Console.WriteLine($"Processors: {Environment.ProcessorCount}, server GC: {System.Runtime.GCSettings.IsServerGC}, runtime: {Environment.Version}");
        Console.WriteLine();

        var tell = MeasureKernelTell();
        Measure("Channel<T> write 1->1 (reference)", TellBenchmarks.Messages, new TellBenchmarks(), b => b.SetupChannel(), b => b.Channel(), b => b.Cleanup());
        Measure("Actor ping-pong (per message)", PingPongBenchmarks.Messages, new PingPongBenchmarks(), b => b.SetupKernel(), b => b.Kernel(), b => b.Cleanup());
        Measure("Actor fan-in 8->1", FanInBenchmarks.Messages, new FanInBenchmarks(), b => b.SetupKernel(), b => b.Kernel(), b => b.Cleanup());

        Console.WriteLine();
        var pass = tell <= MaxBytesPerTell;
        Console.WriteLine(pass
            ? $"PASS: steady-state tell allocates {tell:0.####} B/tell (target 0 B)."
            : $"FAIL: steady-state tell allocates {tell:0.####} B/tell (target 0 B).");
        return pass ? 0 : 1;
    }

    /// <summary>One million tells, then one wait for the last to be processed; returns the best round's bytes per tell.</summary>
    private static double MeasureKernelTell()
    {
        using var done = new Completion(Tells);
        var system = KernelSystems.Create("alloc-check");
        try
        {
            var counter = system.ActorOf(Props.Create(() => new CountingActor(done)), "counter");
            var message = Msg.Instance;

            void Round()
            {
                for (var i = 0; i < Tells; i++)
                {
                    counter.Tell(message, ActorRefs.NoSender);
                }

                if (!done.Wait(TimeSpan.FromSeconds(60)))
                {
                    throw new TimeoutException("The actor did not process all tells within 60 s.");
                }
            }

            return Report("Actor tell 1->1 (cached message)", Tells, Round);
        }
        finally
        {
            KernelSystems.Shutdown(system);
        }
    }

    /// <summary>Runs a benchmark method as many times as it takes to send about one million messages per round.</summary>
    private static void Measure<T>(string name, int messagesPerInvoke, T bench, Action<T> setup, Action<T> invoke, Action<T> cleanup)
    {
        setup(bench);
        try
        {
            var invokes = Math.Max(1, Tells / messagesPerInvoke);
            Report(name, invokes * messagesPerInvoke, () =>
            {
                for (var i = 0; i < invokes; i++)
                {
                    invoke(bench);
                }
            });
        }
        finally
        {
            cleanup(bench);
        }
    }

    private static double Report(string name, long messages, Action round)
    {
        // Warm-up: tiering, queue segments and thread pool reach their steady state.
        for (var i = 0; i < 3; i++)
        {
            round();
        }

        var best = double.MaxValue;
        var results = new List<string>();
        for (var i = 0; i < Rounds; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            round();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            stopwatch.Stop();
            var perMessage = (double)allocated / messages;
            best = Math.Min(best, perMessage);
            results.Add($"{allocated,10:N0} B = {perMessage,8:0.####} B/msg ({stopwatch.Elapsed.TotalNanoseconds / messages,6:0.0} ns/msg)");
        }

        Console.WriteLine($"{name}:");
        foreach (var result in results)
        {
            Console.WriteLine($"    {result}");
        }

        return best;
    }
}
