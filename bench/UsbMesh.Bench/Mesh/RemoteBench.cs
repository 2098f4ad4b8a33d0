using System.Diagnostics;
using System.Globalization;
using UsbMesh.Actors;

namespace UsbMesh.Bench.Mesh;

/// <summary>
/// <c>remote [rounds]</c>: two actor systems in this process, each with remoting over TLS on 127.0.0.1, against raw
/// TLS 1.3 streams in the same run. (a) Tell throughput: an actor on node A streams messages to an actor on node B
/// under the window of <see cref="StreamWindow"/>, against length-prefixed messages of the same size and window over
/// raw TLS. (b) Ping-pong: an actor on A and one on B bounce a message, against a 64-byte raw TLS ping-pong. After
/// one warm-up round each, rounds alternate (raw, remote, raw, …) so outside load hits both; tables show medians,
/// ranges over the rounds and ratios.
/// </summary>
internal static class RemoteBench
{
    /// <summary>Counts are whole multiples of the acknowledgement interval: a run ends with the last acknowledgement.</summary>
    private static readonly (string Name, object Message, int Size, int Count)[] Streams =
    [
        ("Note (64 chars, JSON)", Note.Instance, 64, 800 * StreamWindow.AckEvery),
        ("byte[1024]", new byte[1024], 1024, 400 * StreamWindow.AckEvery),
    ];

    private static readonly (string Name, object Message)[] Bounces =
    [
        ("Note (64 chars, JSON)", Note.Instance),
        ("byte[64]", new byte[64]),
    ];

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 5;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        await using var a = await RemoteBenchNode.StartAsync("bench-a");
        await using var b = await RemoteBenchNode.StartAsync("bench-b");
        b.System.ActorOf(Props.Create(() => new StreamSink()), "sink");
        b.System.ActorOf(Props.Create(() => new Bouncer()), "bouncer");
        var sink = a.Remote(b, "sink");
        var bouncer = a.Remote(b, "bouncer");
        var sender = a.System.ActorOf(Props.Create(() => new StreamSender(sink)), "sender");
        var pinger = a.System.ActorOf(Props.Create(() => new Pinger(bouncer)), "pinger");
        await using var rawStreamPair = await TlsPair.ConnectAsync();
        var rawStream = RawWindowedStream.Start(rawStreamPair);
        await using var rawPingPair = await TlsPair.ConnectAsync();
        var echo = RoundTrips.EchoAsync(m => rawPingPair.Server.Stream.ReadAsync(m), m => rawPingPair.Server.Stream.WriteAsync(m));

        Console.WriteLine($"# remote messaging over TLS 1.3 on loopback: {rounds} rounds after a warm-up; window {StreamWindow.InFlight} messages, ack every {StreamWindow.AckEvery}");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, load average before: {LoadAverage.Read()}");
        Console.WriteLine();
        Console.WriteLine("| Message | Path | msg/s (median) | MB/s (median) | msg/s min–max | Ratio of medians | Ratio per round, min–max |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, message, size, count) in Streams)
        {
            var raw = new List<double>();
            var remote = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                var rawRate = count / (await rawStream.SendAsync(size, count)).TotalSeconds;
                var remoteRate = count / await StreamAsync(sender, message, count);
                if (round >= 0)
                {
                    raw.Add(rawRate);
                    remote.Add(remoteRate);
                }
            }

            var perRound = remote.Zip(raw, (x, y) => x / y).ToList();
            var (rawMedian, remoteMedian) = (RoundTrips.Median(raw), RoundTrips.Median(remote));
            Console.WriteLine(FormattableString.Invariant(
                $"| {size} B | raw TLS, length-prefixed | {rawMedian:F0} | {rawMedian * size / 1e6:F1} | {raw.Min():F0}–{raw.Max():F0} | 1.00 | |"));
            Console.WriteLine(FormattableString.Invariant(
                $"| {name} | remote tell | {remoteMedian:F0} | {remoteMedian * size / 1e6:F1} | {remote.Min():F0}–{remote.Max():F0} | {remoteMedian / rawMedian:F2} | {perRound.Min():F2}–{perRound.Max():F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"| Message | Path | p50 µs | p99 µs | p50 per round, min–max | Ratio p50 | Ratio p99 |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        var met = true;
        foreach (var (name, message) in Bounces)
        {
            var raw = new List<double>();
            var remote = new List<double>();
            var rawMedians = new List<double>();
            var remoteMedians = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                var rawRound = await RoundTrips.MeasureAsync(m => rawPingPair.Client.Stream.WriteAsync(m), m => rawPingPair.Client.Stream.ReadAsync(m));
                var remoteRound = await PingsAsync(pinger, message);
                if (round >= 0)
                {
                    raw.AddRange(rawRound);
                    remote.AddRange(remoteRound);
                    rawMedians.Add(RoundTrips.Median(rawRound));
                    remoteMedians.Add(RoundTrips.Median(remoteRound));
                }
            }

            var (rawP50, remoteP50) = (RoundTrips.Median(raw), RoundTrips.Median(remote));
            var (rawP99, remoteP99) = (RoundTrips.Percentile(raw, 0.99), RoundTrips.Percentile(remote, 0.99));
            met &= remoteP50 <= 2 * rawP50;
            Console.WriteLine(FormattableString.Invariant(
                $"| {RoundTrips.MessageSize} B | raw TLS ping-pong | {rawP50:F1} | {rawP99:F1} | {rawMedians.Min():F1}–{rawMedians.Max():F1} | 1.00 | 1.00 |"));
            Console.WriteLine(FormattableString.Invariant(
                $"| {name} | remote actor ping-pong | {remoteP50:F1} | {remoteP99:F1} | {remoteMedians.Min():F1}–{remoteMedians.Max():F1} | {remoteP50 / rawP50:F2} | {remoteP99 / rawP99:F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"# target remote ping-pong p50 <= 2 x raw TLS p50: {(met ? "met" : "NOT met")}; load average after: {LoadAverage.Read()}");
        GC.KeepAlive(echo);
        return 0;
    }

    /// <summary>Seconds from telling the sender to start until the sink has acknowledged the last message.</summary>
    private static async Task<double> StreamAsync(IActorRef sender, object message, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        sender.Tell(new StartStream(message, count, done), ActorRefs.NoSender);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return clock.Elapsed.TotalSeconds;
    }

    private static Task<List<double>> PingsAsync(IActorRef pinger, object message)
    {
        var done = new TaskCompletionSource<List<double>>(TaskCreationOptions.RunContinuationsAsynchronously);
        pinger.Tell(new StartPings(message, RoundTrips.PerRound, done), ActorRefs.NoSender);
        return done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    }
}
