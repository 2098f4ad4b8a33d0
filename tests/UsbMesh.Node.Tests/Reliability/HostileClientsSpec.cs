using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// Connection floods and slow clients on every endpoint of a running daemon (usbipd, the mesh listener, the admin
/// socket, the dashboard): the node stays up, its memory and descriptors come back, an honest client is served during
/// the flood, slow clients are closed after the handshake timeout, and refusals are logged once per interval with
/// their counts.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class HostileClientsSpec(HostileClientsNode node, ITestOutputHelper output) : IClassFixture<HostileClientsNode>
{
    /// <summary>Connections of the flood opened at once.</summary>
    private const int FloodClients = 200;

    /// <summary>How long a flood keeps reconnecting (each client after its connection is closed).</summary>
    private static readonly TimeSpan FloodDuration = TimeSpan.FromSeconds(8);

    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(250);

    /// <summary>How late, beyond its handshake timeout, the node may close a slow client on a loaded machine.</summary>
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(8);

    /// <summary>How long the honest client may take while the flood goes on.</summary>
    private static readonly TimeSpan HonestBound = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan LineBound = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Endpoints => new() { "usbipd", "mesh", "shell", "dashboard" };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_flood_is_refused_and_logged_once_per_interval_while_an_honest_client_is_served(string endpoint)
    {
        var target = node[endpoint];
        var local = target.Target is not IPEndPoint;
        // TCP floods come from an address of their own (as they would from another machine); the admin socket's
        // clients are all local, so there the flood is one burst of silent clients that shares the honest client's allowance.
        var source = local ? null : HostileClient.RemoteLookingSource ?? throw new InvalidOperationException("the machine has no non-loopback IPv4 address to flood from");
        var before = await DaemonHealth.SampleAsync(node.Daemon, node.StateDirectory);
        var socketsBefore = Sockets();
        var mark = node.Daemon.OutputMark;

        var clock = Stopwatch.StartNew();
        var flood = HostileClient.FloodAsync(target.Target, source, FloodClients, local ? TimeSpan.Zero : FloodDuration, ReconnectPause, HostileClientsNode.HandshakeTimeout + Lateness);
        await node.Daemon.WaitForLineAsync(line => line.Contains($"{target.LogName} refused ", StringComparison.Ordinal), LineBound, mark);
        var (honestTime, attempts, served) = await ServeAsync(target);
        var outcomes = await flood;
        var floodTime = clock.Elapsed;

        // Every refusal is in some line: the last line's total is the sum of all lines' counts.
        var lines = await AllRefusalsLoggedAsync(target.LogName, mark);
        var after = await SettledAsync(before);

        var connected = outcomes.Where(o => o.Connected).ToList();
        var held = connected.Where(o => o.Lived >= HostileClientsNode.HandshakeTimeout * 0.75).ToList();
        var longest = connected.Max(o => o.Lived);
        output.WriteLine($"{endpoint}: flood of {outcomes.Count} connection(s) ({FloodClients} at once{(local ? "" : $", reconnecting for {FloodDuration.TotalSeconds:0} s from {source}")}) in {floodTime.TotalSeconds:0.0} s; " +
            $"{connected.Count} connected, {outcomes.Count - connected.Count} reset before the client saw them or not taken (backlog full)");
        output.WriteLine($"{endpoint}: node refused {lines[^1].Total} in {lines.Count} log line(s); {held.Count} admitted and held until the node closed them, longest {longest.TotalSeconds:0.00} s");
        output.WriteLine($"{endpoint}: honest client served after {honestTime.TotalSeconds:0.00} s ({attempts} attempt(s)): {served}");
        output.WriteLine($"{endpoint}: before {before}");
        output.WriteLine($"{endpoint}: after  {after}");
        output.WriteLine($"{endpoint}: descriptors after: {DescriptorKinds()}");
        foreach (var line in lines)
        {
            output.WriteLine($"  {line.Text}");
        }

        // The node stayed up and gave back what the flood took.
        await ServeAsync(target);
        Assert.InRange(after.ResidentBytes - before.ResidentBytes, long.MinValue, 96L << 20);
        // Sockets come back; other descriptors may grow once, as code the flood reached for the first time is loaded.
        Assert.InRange(Sockets(), 0, socketsBefore + 4);
        Assert.InRange(after.Actors, 0, before.Actors + 4);

        // Every connection the flood made was refused at once or admitted and closed at the handshake timeout; the
        // admitted ones were few (the rest refused), and none outlived the timeout by more than a loaded machine's delay.
        var refused = lines[^1].Total;
        Assert.All(connected, o => Assert.True(o.ClosedByServer, $"a silent client was still open after {o.Lived}"));
        Assert.InRange(longest, TimeSpan.Zero, HostileClientsNode.HandshakeTimeout + Lateness);
        Assert.NotEmpty(held);
        Assert.True(refused >= connected.Count - held.Count - (connected.Count / 10), $"{refused} refusals for {connected.Count} connections, {held.Count} held");

        // Logged as a summary, never one line per connection: one line per interval, plus the first at once and the
        // last when the flood ends (a line's timestamp is taken when it is written, so two may come closer than the
        // interval on a loaded machine; their number cannot grow).
        Assert.InRange(lines.Count, 1, (int)(floodTime / HostileClientsNode.RefusalsInterval) + 3);
        // (The admin socket's flood mostly meets the kernel's backlog of 16, so few refusals reach the node there.)
        Assert.True(refused >= 2 * lines.Count, $"{refused} refusals in {lines.Count} lines");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_client_that_sends_nothing_or_trickles_is_closed_after_the_handshake_timeout(string endpoint)
    {
        var target = node[endpoint];
        var limit = HostileClientsNode.HandshakeTimeout + Lateness;
        var silent = HostileClient.HoldAsync(target.Target, null, [], TimeSpan.Zero, limit);
        var trickling = HostileClient.HoldAsync(target.Target, null, target.Trickle, TimeSpan.FromSeconds(1), limit);
        var outcomes = await Task.WhenAll(silent, trickling);

        output.WriteLine($"{endpoint}: silent client closed after {outcomes[0].Lived.TotalSeconds:0.00} s, trickling (1 byte/s) after {outcomes[1].Lived.TotalSeconds:0.00} s; handshake timeout {HostileClientsNode.HandshakeTimeout.TotalSeconds:0} s");
        Assert.All(outcomes, o =>
        {
            Assert.True(o.Connected && o.ClosedByServer, $"not closed by the node within {limit}: {o}\n{DaemonTail()}");
            Assert.InRange(o.Lived, HostileClientsNode.HandshakeTimeout * 0.75, limit);
        });

        // Their places are free again: an honest client gets in at once.
        await ServeAsync(target);
    }

    /// <summary>The daemon's open descriptors by kind (socket, anon_inode:[eventpoll], a path), for a report.</summary>
    private string DescriptorKinds() =>
        string.Join(", ", Directory.GetFiles($"/proc/{node.Daemon.Id}/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget ?? "?"; } catch (IOException) { return "gone"; } })
            .Select(target => target.StartsWith('/') ? "file" : target.Split(':')[0] + (target.Contains("anon_inode", StringComparison.Ordinal) ? target[10..] : ""))
            .GroupBy(kind => kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}"));

    private int Sockets() => Directory.GetFiles($"/proc/{node.Daemon.Id}/fd").Count(fd =>
    {
        try
        {
            return new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false;
        }
    });

    private string DaemonTail() => string.Join('\n', node.Daemon.Stdout.Split('\n').TakeLast(40));

    /// <summary>Runs the honest client until it is served (each attempt bounded), at most <see cref="HonestBound"/>.</summary>
    private static async Task<(TimeSpan Elapsed, int Attempts, string Served)> ServeAsync(HostileTarget target)
    {
        var clock = Stopwatch.StartNew();
        var attempts = 0;
        var failures = new List<string>();
        Exception? last = null;
        while (clock.Elapsed < HonestBound)
        {
            attempts++;
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                var served = await target.Honest(attempt.Token);
                return (clock.Elapsed, attempts, failures.Count == 0 ? served : $"{served} (after {string.Join("; ", failures)})");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                last = e;
                failures.Add($"{clock.Elapsed.TotalSeconds:0.00} s: {e.GetType().Name}: {e.Message}");
                await Task.Delay(200);
            }
        }

        Assert.Fail($"the honest {target.Name} client was not served within {HonestBound} ({attempts} attempts): {last}");
        return default;
    }

    /// <summary>Waits for the refusal line that completes the count (its total is the sum of every line's count) and
    /// returns the endpoint's lines since <paramref name="mark"/>.</summary>
    private async Task<IReadOnlyList<RefusalLine>> AllRefusalsLoggedAsync(string logName, int mark)
    {
        var daemon = node.Daemon;
        long before = RefusalLine.Of(daemon.Stdout[..mark], logName).LastOrDefault()?.Total ?? 0;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var lines = RefusalLine.Of(daemon.Stdout[mark..], logName);
            if (lines.Count > 0 && lines[^1].Total == before + lines.Sum(l => l.Count))
            {
                // Settled when no line follows within two intervals.
                await Task.Delay(HostileClientsNode.RefusalsInterval * 2);
                if (RefusalLine.Of(daemon.Stdout[mark..], logName).Count == lines.Count)
                {
                    return lines.Select(l => l with { Total = l.Total - before }).ToList();
                }
            }

            Assert.True(clock.Elapsed < LineBound, $"the refusal lines of {logName} do not add up:\n{string.Join('\n', lines.Select(l => l.Text))}");
            await Task.Delay(200);
        }
    }

    /// <summary>Samples the daemon once the flood's sockets are gone (descriptors back near where they were).</summary>
    private async Task<HealthSample> SettledAsync(HealthSample before)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var sample = await DaemonHealth.SampleAsync(node.Daemon, node.StateDirectory);
            if (sample.OpenFiles <= before.OpenFiles + 16 || clock.Elapsed > LineBound)
            {
                return sample;
            }

            await Task.Delay(500);
        }
    }
}
