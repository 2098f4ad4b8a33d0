using System.Net;

namespace UsbMesh.Net;

/// <summary>
/// The door of one listening endpoint: a connection is admitted while fewer than
/// <see cref="AdmissionLimits.MaxConnections"/> are open and its address has a token left
/// (<see cref="AcceptRateLimiter"/>); any other is to be closed at once by the caller. Refusals are counted and
/// reported through <see cref="RefusalLog"/>, one line per interval at most, so a flood cannot flood the log.
/// Thread-safe: accept loops admit, and connections end, on any thread.
/// </summary>
public sealed class ConnectionAdmission : IDisposable
{
    private readonly Lock _lock = new();
    private readonly AdmissionLimits _limits;
    private readonly AcceptRateLimiter _rates;
    private readonly RefusalLog _log;
    private int _open;
    private long _refused;

    /// <summary>Creates the door of one endpoint.</summary>
    /// <param name="endpoint">The endpoint's name in log lines ("usbipd", "mesh listener", ...).</param>
    /// <param name="limits">What it admits.</param>
    /// <param name="report">Writes one log line (a warning).</param>
    /// <param name="reportInterval">The shortest time between two refusal lines.</param>
    /// <param name="time">The clock; the system's by default.</param>
    public ConnectionAdmission(string endpoint, AdmissionLimits limits, Action<string> report, TimeSpan reportInterval, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(limits));
        }

        time ??= TimeProvider.System;
        _limits = limits;
        _rates = new AcceptRateLimiter(limits, time);
        _log = new RefusalLog(endpoint, limits, report, reportInterval, time, () => Open);
    }

    /// <summary>What this endpoint admits.</summary>
    public AdmissionLimits Limits => _limits;

    /// <summary>Connections admitted and not yet released.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Connections refused since the start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Admits a connection from <paramref name="remote"/>, or refuses it (counted and reported): null then, and the
    /// caller closes the connection at once. Disposing the returned slot (once the connection has ended) frees it.
    /// </summary>
    /// <param name="remote">The peer's address; null or a Unix-socket endpoint for a local peer.</param>
    public IDisposable? TryAdmit(EndPoint? remote)
    {
        RefusalLog.Reason reason;
        lock (_lock)
        {
            if (_open >= _limits.MaxConnections)
            {
                reason = RefusalLog.Reason.Full;
            }
            else if (!_rates.TryTake(remote))
            {
                reason = RefusalLog.Reason.Rate;
            }
            else
            {
                _open++;
                return new Slot(this);
            }
        }

        Interlocked.Increment(ref _refused);
        _log.Refused(reason, remote);
        return null;
    }

    /// <summary>Writes the refusals not yet reported and stops the report timer.</summary>
    public void Dispose() => _log.Dispose();

    private void Release()
    {
        lock (_lock)
        {
            _open--;
        }
    }

    /// <summary>One admitted connection's place; freed once, however often disposed.</summary>
    private sealed class Slot(ConnectionAdmission admission) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                admission.Release();
            }
        }
    }
}
