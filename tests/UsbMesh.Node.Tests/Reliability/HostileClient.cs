using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>How one hostile connection ended: how long the server let it live, or why it never did.</summary>
/// <param name="Connected">Whether the connection was made at all (a full backlog may drop it).</param>
/// <param name="Lived">From connected to closed by the server.</param>
/// <param name="ClosedByServer">False when the client gave up waiting for the server to close it.</param>
public sealed record HostileOutcome(bool Connected, TimeSpan Lived, bool ClosedByServer);

/// <summary>
/// A client that connects and then sends nothing, or trickles bytes one at a time, until the server closes the
/// connection (slowloris); many of them at once make a flood.
/// </summary>
public static class HostileClient
{
    private static readonly TimeSpan ConnectBound = TimeSpan.FromSeconds(5);

    /// <summary>A non-loopback IPv4 address of this machine: connections from it to 127.0.0.1 look remote to the node,
    /// so a flood from it has an allowance apart from the honest clients' (loopback). Null if the machine has none.</summary>
    public static IPAddress? RemoteLookingSource { get; } = NetworkInterface.GetAllNetworkInterfaces()
        .Where(i => i.OperationalStatus == OperationalStatus.Up)
        .SelectMany(i => i.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    /// <summary>
    /// Connects to <paramref name="target"/> (from <paramref name="source"/> if given), writes <paramref name="trickle"/>
    /// one byte per <paramref name="every"/> (nothing if empty), and waits up to <paramref name="limit"/> for the
    /// server to close the connection.
    /// </summary>
    public static async Task<HostileOutcome> HoldAsync(EndPoint target, IPAddress? source, byte[] trickle, TimeSpan every, TimeSpan limit)
    {
        using var socket = target is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            using var connecting = new CancellationTokenSource(ConnectBound);
            await socket.ConnectAsync(target, connecting.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return new HostileOutcome(false, TimeSpan.Zero, false);
        }

        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(limit);
        var trickling = TrickleAsync(socket, trickle, every, stop.Token);
        var closed = await ClosedAsync(socket, stop.Token);
        var lived = clock.Elapsed;
        await stop.CancelAsync();
        await trickling;
        return new HostileOutcome(true, lived, closed);
    }

    /// <summary>
    /// A flood: <paramref name="clients"/> silent connections opened at once; each that the server closes is opened
    /// again after <paramref name="pause"/> until <paramref name="duration"/> has passed (zero: each is opened once).
    /// </summary>
    public static async Task<IReadOnlyList<HostileOutcome>> FloodAsync(EndPoint target, IPAddress? source, int clients, TimeSpan duration, TimeSpan pause, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var outcomes = new List<HostileOutcome>();
            do
            {
                outcomes.Add(await HoldAsync(target, source, [], TimeSpan.Zero, limit));
                await Task.Delay(pause);
            }
            while (clock.Elapsed < duration);

            return outcomes;
        }));
        return (await Task.WhenAll(workers)).SelectMany(o => o).ToList();
    }

    private static async Task TrickleAsync(Socket socket, byte[] trickle, TimeSpan every, CancellationToken stop)
    {
        try
        {
            foreach (var b in trickle)
            {
                await socket.SendAsync(new[] { b }, SocketFlags.None, stop);
                await Task.Delay(every, stop);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed by the server, or the wait is over.
        }
    }

    /// <summary>Reads (and drops) whatever the server sends until it closes the connection: true; false when
    /// <paramref name="stop"/> comes first.</summary>
    private static async Task<bool> ClosedAsync(Socket socket, CancellationToken stop)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, stop) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true; // Reset: refused with a zero linger, or closed with data unread.
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
