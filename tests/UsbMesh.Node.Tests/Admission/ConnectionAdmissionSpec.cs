using System.Net;
using System.Net.Sockets;
using UsbMesh.Net;

namespace UsbMesh.Node.Tests.Admission;

public sealed class ConnectionAdmissionSpec
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly IPEndPoint Far = new(IPAddress.Parse("192.0.2.7"), 40000);

    private readonly ManualClock _clock = new();
    private readonly List<string> _lines = [];

    private ConnectionAdmission Door(int max, double rate, int burst) =>
        new("usbipd", new AdmissionLimits(max, rate, burst), _lines.Add, Interval, _clock);

    [Fact]
    public void Beyond_max_connections_a_connection_is_refused_until_one_ends()
    {
        using var door = Door(max: 3, rate: 1000, burst: 1000);
        var slots = Enumerable.Range(0, 3).Select(_ => door.TryAdmit(Far)).ToList();
        Assert.All(slots, Assert.NotNull);
        Assert.Null(door.TryAdmit(Far));
        Assert.Equal(3, door.Open);

        slots[0]!.Dispose();
        slots[0]!.Dispose(); // Twice frees one place, not two.
        Assert.Equal(2, door.Open);
        Assert.NotNull(door.TryAdmit(Far));
        Assert.Null(door.TryAdmit(Far));
        Assert.Equal(2, door.Refused);
    }

    [Fact]
    public void An_address_gets_its_burst_at_once_then_the_rate()
    {
        using var door = Door(max: 1000, rate: 2, burst: 5);
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => door.TryAdmit(Far) is not null));

        Assert.Contains("beyond accept-rate (2/s, accept-burst 5) for their address", Assert.Single(_lines), StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, Enumerable.Range(0, 20).Count(_ => door.TryAdmit(Far) is not null));

        // A long quiet spell refills to the burst, never beyond it.
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => door.TryAdmit(Far) is not null));
    }

    [Fact]
    public void Local_peers_share_one_allowance_and_other_addresses_have_their_own()
    {
        using var door = Door(max: 1000, rate: 1, burst: 4);
        EndPoint?[] local =
        [
            new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Parse("127.0.0.2"), 2),
            new IPEndPoint(IPAddress.IPv6Loopback, 3), new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 4),
            new UnixDomainSocketEndPoint("/tmp/x.sock"), null,
        ];
        Assert.Equal(4, local.Count(peer => door.TryAdmit(peer) is not null));

        // The same far address, written as IPv4 or IPv4-mapped IPv6, is one address; another is another.
        var mapped = new IPEndPoint(Far.Address.MapToIPv6(), 5);
        Assert.Equal(4, Enumerable.Range(0, 8).Count(i => door.TryAdmit(i % 2 == 0 ? Far : mapped) is not null));
        Assert.NotNull(door.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.8"), 1)));
    }

    [Fact]
    public void A_flood_is_logged_at_once_then_once_per_interval_with_the_counts()
    {
        using var door = Door(max: 2, rate: 1, burst: 10);
        var held = new[] { door.TryAdmit(Far), door.TryAdmit(Far) };
        for (var i = 0; i < 500; i++)
        {
            door.TryAdmit(i % 5 == 0 ? new IPEndPoint(IPAddress.Loopback, 1) : Far);
        }

        var first = Assert.Single(_lines);
        Assert.StartsWith("usbipd refused 1 connection(s): 1 with max-connections (2) open", first, StringComparison.Ordinal);

        _clock.Advance(Interval);
        Assert.Equal(2, _lines.Count);
        Assert.StartsWith("usbipd refused 499 connection(s): 499 with max-connections (2) open;", _lines[1], StringComparison.Ordinal);
        Assert.Contains("from 192.0.2.7 ×400, 127.0.0.1 ×99", _lines[1], StringComparison.Ordinal);
        Assert.EndsWith("2 open now, 500 refused since the start", _lines[1], StringComparison.Ordinal);

        // Quiet: no line; the next refusal after a quiet interval is reported at once again.
        _clock.Advance(Interval * 3);
        Assert.Equal(2, _lines.Count);
        foreach (var slot in held)
        {
            slot!.Dispose();
        }

        Assert.Equal(2, Enumerable.Range(0, 20).Count(_ => door.TryAdmit(Far) is not null));
        Assert.Equal(3, _lines.Count);
        Assert.StartsWith("usbipd refused 1 connection(s)", _lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Refusals_not_yet_reported_are_reported_when_the_endpoint_closes()
    {
        var door = Door(max: 1, rate: 1, burst: 1);
        door.TryAdmit(Far);
        door.TryAdmit(Far);
        door.TryAdmit(Far);
        Assert.Single(_lines);
        door.Dispose();
        Assert.Equal(2, _lines.Count);
        Assert.Contains("2 refused since the start", _lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_flood_from_many_addresses_keeps_the_table_of_allowances_bounded()
    {
        var limiter = new AcceptRateLimiter(new AdmissionLimits(1, 1, 2), _clock);
        for (var i = 0; i < 3 * AcceptRateLimiter.MaxTracked; i++)
        {
            var bytes = new byte[16];
            bytes[0] = 0x20;
            BitConverter.TryWriteBytes(bytes.AsSpan(8), i);
            limiter.TryTake(new IPEndPoint(new IPAddress(bytes), 1));
        }

        Assert.InRange(limiter.Tracked, 1, AcceptRateLimiter.MaxTracked + 1);
    }

    [Theory]
    [InlineData(0, 1.0, 1, "max-connections")]
    [InlineData(1, 0.0, 1, "accept-rate")]
    [InlineData(1, double.NaN, 1, "accept-rate")]
    [InlineData(1, 1.0, 0, "accept-burst")]
    public void Unusable_limits_are_refused_with_the_setting_named(int max, double rate, int burst, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => Door(max, rate, burst));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
