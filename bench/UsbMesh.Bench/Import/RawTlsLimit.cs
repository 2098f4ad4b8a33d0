using System.Diagnostics;
using UsbMesh.Bench.Mesh;

namespace UsbMesh.Bench.Import;

/// <summary>
/// The limits the import path is held against, on identity-bound TLS 1.3 connections over loopback with the mesh's
/// own certificates and handshake (<see cref="TlsPair"/>): a one-way stream of 64 KiB writes in either direction, and
/// a 64-byte ping-pong. Stream and ping-pong have a connection each, since the echo reads its connection for ever.
/// </summary>
internal sealed class RawTlsLimit : IAsyncDisposable
{
    public const int WriteSize = 64 * 1024;

    private readonly TlsPair _stream;
    private readonly TlsPair _ping;
    private readonly Task _echo;

    private RawTlsLimit(TlsPair stream, TlsPair ping)
    {
        _stream = stream;
        _ping = ping;
        _echo = RoundTrips.EchoAsync(b => ping.Server.Stream.ReadAsync(b), b => ping.Server.Stream.WriteAsync(b));
    }

    public static async Task<RawTlsLimit> StartAsync() => new(await TlsPair.ConnectAsync(), await TlsPair.ConnectAsync());

    /// <summary>The time <paramref name="writes"/> 64 KiB writes take to arrive, client to server or server to client.</summary>
    public async Task<TimeSpan> StreamAsync(bool towardsClient, int writes)
    {
        var (from, to) = towardsClient ? (_stream.Server.Stream, _stream.Client.Stream) : (_stream.Client.Stream, _stream.Server.Stream);
        var data = new byte[WriteSize];
        var buffer = new byte[WriteSize];
        var total = (long)writes * WriteSize;
        var start = Stopwatch.GetTimestamp();
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < writes; i++)
            {
                await from.WriteAsync(data);
            }
        });
        for (long received = 0; received < total;)
        {
            received += await to.ReadAsync(buffer);
        }

        await writing;
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary><see cref="RoundTrips.PerRound"/> round trips of 64 bytes each way, one at a time; each in µs.</summary>
    public Task<List<double>> PingPongAsync() =>
        RoundTrips.MeasureAsync(b => _ping.Client.Stream.WriteAsync(b), b => _ping.Client.Stream.ReadAsync(b));

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        await _ping.DisposeAsync();

        // The echo ends with its connection.
        await _echo.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
