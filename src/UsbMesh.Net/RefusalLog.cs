using System.Globalization;
using System.Net;

namespace UsbMesh.Net;

/// <summary>
/// Reports an endpoint's refused connections without one log line per connection: the first refusal after a quiet
/// interval is reported at once; those that follow within the interval are counted and reported together when it
/// ends, with the reasons, how many came from where, and the totals.
/// </summary>
internal sealed class RefusalLog : IDisposable
{
    /// <summary>Sources named in one line at most; the others are only counted.</summary>
    private const int NamedSources = 3;

    private readonly Lock _lock = new();
    private readonly string _endpoint;
    private readonly AdmissionLimits _limits;
    private readonly Action<string> _report;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Func<int> _open;
    private readonly Dictionary<string, int> _sources = [];
    private readonly ITimer _timer;
    private long? _lastLine;
    private bool _flushScheduled;
    private int _full;
    private int _rate;
    private long _total;

    public RefusalLog(string endpoint, AdmissionLimits limits, Action<string> report, TimeSpan interval, TimeProvider time, Func<int> open)
    {
        _endpoint = endpoint;
        _limits = limits;
        _report = report;
        _interval = interval;
        _time = time;
        _open = open;
        _timer = time.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public enum Reason
    {
        /// <summary>max-connections were open.</summary>
        Full,

        /// <summary>The address had no token left.</summary>
        Rate,
    }

    public void Refused(Reason reason, EndPoint? remote)
    {
        string? line = null;
        lock (_lock)
        {
            _total++;
            _ = reason == Reason.Full ? _full++ : _rate++;
            var source = remote is IPEndPoint ip ? ip.Address.ToString() : "local";
            if (_sources.Count < 64 || _sources.ContainsKey(source))
            {
                _sources[source] = _sources.GetValueOrDefault(source) + 1;
            }

            var now = _time.GetTimestamp();
            if (_lastLine is not { } last || _time.GetElapsedTime(last, now) >= _interval)
            {
                line = TakeLine(now);
            }
            else if (!_flushScheduled)
            {
                _flushScheduled = true;
                _timer.Change(_interval - _time.GetElapsedTime(last, now), Timeout.InfiniteTimeSpan);
            }
        }

        if (line is not null)
        {
            _report(line);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private void Flush()
    {
        string? line = null;
        lock (_lock)
        {
            _flushScheduled = false;
            if (_full + _rate > 0)
            {
                line = TakeLine(_time.GetTimestamp());
            }
        }

        if (line is not null)
        {
            _report(line);
        }
    }

    /// <summary>The line for what was counted since the last one; the counts start again. Called under the lock.</summary>
    private string TakeLine(long now)
    {
        var count = _full + _rate;
        var reasons = new List<string>();
        if (_full > 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{_full} with max-connections ({_limits.MaxConnections}) open"));
        }

        if (_rate > 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{_rate} beyond accept-rate ({_limits.AcceptRate:0.###}/s, accept-burst {_limits.AcceptBurst}) for their address"));
        }

        var named = _sources.OrderByDescending(s => s.Value).Take(NamedSources).Select(s => $"{s.Key} ×{s.Value}");
        var others = _sources.Count > NamedSources ? $" and {_sources.Count - NamedSources} more" : "";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{_endpoint} refused {count} connection(s): {string.Join(", ", reasons)}; from {string.Join(", ", named)}{others}; {_open()} open now, {_total} refused since the start");
        _full = 0;
        _rate = 0;
        _sources.Clear();
        _lastLine = now;
        return line;
    }
}
