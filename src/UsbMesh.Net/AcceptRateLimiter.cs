using System.Net;

namespace UsbMesh.Net;

/// <summary>
/// A token bucket per remote address: each address may open <see cref="AdmissionLimits.AcceptBurst"/> connections at
/// once and <see cref="AdmissionLimits.AcceptRate"/> per second after that. Loopback and Unix-socket peers share one
/// bucket (every local process looks the same from here, and 127.0.0.2 must not be a second allowance). Not thread-safe:
/// <see cref="ConnectionAdmission"/> calls it under its lock.
/// </summary>
internal sealed class AcceptRateLimiter(AdmissionLimits limits, TimeProvider time)
{
    /// <summary>Addresses tracked at most. A flood from more addresses than this (IPv6 has plenty) shares one bucket
    /// beyond it, so the table, not the flood, bounds the memory.</summary>
    internal const int MaxTracked = 4096;

    private static readonly object Local = "local";
    private static readonly object Overflow = "overflow";

    private readonly Dictionary<object, Bucket> _buckets = [];

    /// <summary>Addresses with a bucket now.</summary>
    public int Tracked => _buckets.Count;

    /// <summary>Takes a token from <paramref name="remote"/>'s bucket; false when it has none left.</summary>
    public bool TryTake(EndPoint? remote)
    {
        var now = time.GetTimestamp();
        var key = KeyOf(remote);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= MaxTracked)
            {
                ForgetFull(now);
            }

            key = _buckets.Count >= MaxTracked ? Overflow : key;
            if (!_buckets.TryGetValue(key, out bucket))
            {
                bucket = new Bucket(limits.AcceptBurst, now);
                _buckets[key] = bucket;
            }
        }

        bucket.Refill(now, limits, time);
        if (bucket.Tokens < 1)
        {
            return false;
        }

        bucket.Tokens--;
        return true;
    }

    /// <summary>The key of a peer's bucket: its address (IPv4 for an IPv4-mapped one), or the shared local key.</summary>
    private static object KeyOf(EndPoint? remote)
    {
        if (remote is not IPEndPoint { Address: var address })
        {
            return Local;
        }

        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return IPAddress.IsLoopback(plain) ? Local : plain;
    }

    /// <summary>Forgets buckets that have refilled: a new bucket for the same address would be the same.</summary>
    private void ForgetFull(long now)
    {
        foreach (var (key, bucket) in _buckets.ToList())
        {
            bucket.Refill(now, limits, time);
            if (bucket.Tokens >= limits.AcceptBurst)
            {
                _buckets.Remove(key);
            }
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        public void Refill(long now, AdmissionLimits limits, TimeProvider time)
        {
            Tokens = Math.Min(limits.AcceptBurst, Tokens + (time.GetElapsedTime(stamp, now).TotalSeconds * limits.AcceptRate));
            stamp = now;
        }
    }
}
