using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using UsbMesh.Actors;

namespace UsbMesh.Bench;

/// <summary>
/// Pattern 1, tell 1 → 1: the benchmark thread sends <see cref="Messages"/> copies of one cached message to one consumer,
/// which counts them and signals the last; the time is per message and includes draining the queue.
/// The consumer (channel loop or actor) is created once per benchmark and lives across all iterations.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[BenchmarkCategory("Tell 1->1")]
public class TellBenchmarks
{
    public const int Messages = 200_000;

    private readonly Completion _done = new(Messages);
    private ChannelCounter? _channel;
    private ActorSystem? _system;
    private IActorRef? _counter;

    [GlobalSetup(Target = nameof(Channel))]
    public void SetupChannel() => _channel = new ChannelCounter(_done, singleWriter: true);

    [GlobalSetup(Target = nameof(Kernel))]
    public void SetupKernel() => SetupKernel(throughput: null);

    [GlobalSetup(Target = nameof(KernelHighThroughput))]
    public void SetupKernelHighThroughput() => SetupKernel(KernelSystems.HighThroughput);

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel?.Stop();
        KernelSystems.Shutdown(_system);
        _done.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "Channel<T> (unbounded, single reader)")]
    public void Channel()
    {
        var writer = _channel!.Writer;
        var message = Msg.Instance;
        for (var i = 0; i < Messages; i++)
        {
            writer.TryWrite(message);
        }

        _done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "Actor tell (default dispatcher, throughput 30)")]
    public void Kernel() => TellAll();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Actor tell (throughput 300)")]
    public void KernelHighThroughput() => TellAll();

    private void SetupKernel(int? throughput)
    {
        var done = _done;
        _system = KernelSystems.Create("bench-tell", throughput);
        _counter = _system.ActorOf(Props.Create(() => new CountingActor(done)), "counter");
    }

    private void TellAll()
    {
        var counter = _counter!;
        var message = Msg.Instance;
        for (var i = 0; i < Messages; i++)
        {
            counter.Tell(message, ActorRefs.NoSender);
        }

        _done.Wait();
    }
}
