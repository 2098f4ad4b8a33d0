using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using UsbMesh.Actors;

namespace UsbMesh.Bench;

/// <summary>
/// Pattern 2, ping-pong: <see cref="RoundTrips"/> round trips between two consumers, one message in flight at a time, so
/// every hop wakes the other side. The time is per message (one hop); a round trip is two messages.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[BenchmarkCategory("Ping-pong")]
public class PingPongBenchmarks
{
    public const int RoundTrips = 20_000;
    public const int Messages = 2 * RoundTrips;

    private readonly Completion _done = new(RoundTrips);
    private ChannelPingPong? _channel;
    private ActorSystem? _system;
    private IActorRef? _pinger;

    [GlobalSetup(Target = nameof(Channel))]
    public void SetupChannel() => _channel = new ChannelPingPong(_done);

    [GlobalSetup(Target = nameof(Kernel))]
    public void SetupKernel()
    {
        var done = _done;
        _system = KernelSystems.Create("bench-pingpong");
        var ponger = _system.ActorOf(Props.Create(() => new PongActor()), "ponger");
        _pinger = _system.ActorOf(Props.Create(() => new PingActor(ponger, done)), "pinger");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel?.Stop();
        KernelSystems.Shutdown(_system);
        _done.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "Channel<T> x2 (async loops)")]
    public void Channel()
    {
        _channel!.Start();
        _done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "Actor ping-pong (default dispatcher)")]
    public void Kernel()
    {
        _pinger!.Tell(StartRun.Instance, ActorRefs.NoSender);
        _done.Wait();
    }
}
