using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using UsbMesh.Actors;

namespace UsbMesh.Bench;

/// <summary>
/// Pattern 3, fan-in 8 → 1: <see cref="Producers"/> dedicated threads each send <see cref="PerProducer"/> copies of one
/// cached message to one consumer; the time is per message and includes draining the queue. The producer threads are
/// started once per benchmark and released once per invocation.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[BenchmarkCategory("Fan-in 8->1")]
public class FanInBenchmarks
{
    public const int Producers = 8;
    public const int PerProducer = 25_000;
    public const int Messages = Producers * PerProducer;

    private readonly Completion _done = new(Messages);
    private ChannelCounter? _channel;
    private ActorSystem? _system;
    private ProducerGang? _producers;

    [GlobalSetup(Target = nameof(Channel))]
    public void SetupChannel()
    {
        var channel = _channel = new ChannelCounter(_done, singleWriter: false);
        _producers = new ProducerGang(Producers, () =>
        {
            var writer = channel.Writer;
            var message = Msg.Instance;
            for (var i = 0; i < PerProducer; i++)
            {
                writer.TryWrite(message);
            }
        });
    }

    [GlobalSetup(Target = nameof(Kernel))]
    public void SetupKernel() => SetupKernel(throughput: null);

    [GlobalSetup(Target = nameof(KernelHighThroughput))]
    public void SetupKernelHighThroughput() => SetupKernel(KernelSystems.HighThroughput);

    [GlobalCleanup]
    public void Cleanup()
    {
        _producers?.Dispose();
        _channel?.Stop();
        KernelSystems.Shutdown(_system);
        _done.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "Channel<T> (unbounded, single reader, 8 writers)")]
    public void Channel() => RunAll();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Actor tell x8 (default dispatcher, throughput 30)")]
    public void Kernel() => RunAll();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Actor tell x8 (throughput 300)")]
    public void KernelHighThroughput() => RunAll();

    private void SetupKernel(int? throughput)
    {
        var done = _done;
        _system = KernelSystems.Create("bench-fanin", throughput);
        var counter = _system.ActorOf(Props.Create(() => new CountingActor(done)), "counter");
        _producers = new ProducerGang(Producers, () =>
        {
            var message = Msg.Instance;
            for (var i = 0; i < PerProducer; i++)
            {
                counter.Tell(message, ActorRefs.NoSender);
            }
        });
    }

    private void RunAll()
    {
        _producers!.Go();
        _done.Wait();
    }
}
