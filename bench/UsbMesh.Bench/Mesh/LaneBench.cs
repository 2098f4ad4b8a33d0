using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Mux;
using UsbMesh.Mesh.Tls;

namespace UsbMesh.Bench.Mesh;

/// <summary>
/// <c>lanes [rounds]</c>: bytes through one multiplexer lane over identity-bound TLS on loopback, against the same
/// bytes through a raw TLS stream (the limit) in the same run. Rounds alternate (raw, lane, raw, lane, …) after one
/// warm-up round each, so outside load hits both; the table shows the medians and their ratio.
/// </summary>
internal static class LaneBench
{
    private const int WriteSize = 64 * 1024;
    private const int BytesPerRound = 256 << 20;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 5;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        await using var raw = await TlsPair.ConnectAsync();
        await using var muxed = await TlsPair.ConnectAsync();
        var options = new MultiplexerOptions();
        await using var sender = new Multiplexer(muxed.Client.Stream, options, initiator: true);
        await using var receiver = new Multiplexer(muxed.Server.Stream, options, initiator: false);
        sender.Start();
        receiver.Start();
        var lane = sender.OpenLane();
        await lane.WriteAsync(new byte[1]);
        var remote = await receiver.AcceptLaneAsync();
        await remote.ReadAsync(new byte[1]);

        Console.WriteLine($"# lane throughput over TLS 1.3 on loopback: {rounds} rounds of {BytesPerRound >> 20} MiB in {WriteSize >> 10} KiB writes");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, max frame {options.MaxFrameSize >> 10} KiB, lane window {options.LaneWindow >> 10} KiB");
        var rawRates = new List<double>();
        var laneRates = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var rawRate = await MeasureAsync(data => raw.Client.Stream.WriteAsync(data), raw.Server.Stream.ReadAsync);
            var laneRate = await MeasureAsync(data => lane.WriteAsync(data), remote.ReadAsync);
            if (round >= 0)
            {
                rawRates.Add(rawRate);
                laneRates.Add(laneRate);
            }
        }

        var rawMedian = Median(rawRates);
        var laneMedian = Median(laneRates);
        Console.WriteLine();
        Console.WriteLine("| Path | MB/s (median) | Ratio |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| raw TLS stream | {rawMedian:F0} | 1.00 |");
        Console.WriteLine($"| one lane, multiplexed | {laneMedian:F0} | {laneMedian / rawMedian:F2} |");
        return 0;
    }

    private static async Task<double> MeasureAsync(Func<ReadOnlyMemory<byte>, ValueTask> write, Func<Memory<byte>, CancellationToken, ValueTask<int>> read)
    {
        var data = new byte[WriteSize];
        var clock = Stopwatch.StartNew();
        var writing = Task.Run(async () =>
        {
            for (var sent = 0; sent < BytesPerRound; sent += WriteSize)
            {
                await write(data);
            }
        });
        var buffer = new byte[WriteSize];
        for (long received = 0; received < BytesPerRound;)
        {
            received += await read(buffer, default);
        }

        await writing;
        return BytesPerRound / clock.Elapsed.TotalSeconds / 1e6;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>Two ends of one identity-bound TLS connection on loopback.</summary>
    private sealed record TlsPair(AuthenticatedStream Client, AuthenticatedStream Server) : IAsyncDisposable
    {
        public static async Task<TlsPair> ConnectAsync()
        {
            var hub = NodeIdentity.Generate();
            var laptop = NodeIdentity.Generate();
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            var accepted = (await listener.AcceptTcpClientAsync()).GetStream();
            var server = IdentityTls.AcceptAsync(accepted, IdentityCertificate.Create(hub), _ => null, default);
            var client = await IdentityTls.ConnectAsync(tcp.GetStream(), IdentityCertificate.Create(laptop), hub.Id, default);
            return new TlsPair(client, await server);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
