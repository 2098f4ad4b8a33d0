using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading.Channels;

namespace UsbMesh.Bench.Mesh;

/// <summary>
/// The raw limit of remote tells: length-prefixed messages over a raw TLS stream with the same window and
/// acknowledgements as the remote stream (<see cref="StreamWindow"/>). Like remoting's endpoint, the sender writes
/// everything its window allows (up to 256 KiB) with one write; the receiver counts messages and acknowledges with
/// the 8-byte count so far. Both loops live as long as the process.
/// </summary>
internal sealed class RawWindowedStream
{
    private const int BurstBytes = 256 * 1024;

    private readonly TlsPair _pair;
    private readonly Channel<long> _acks = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private long _sent;
    private long _acked;

    private RawWindowedStream(TlsPair pair)
    {
        _pair = pair;
    }

    public static RawWindowedStream Start(TlsPair pair)
    {
        var stream = new RawWindowedStream(pair);
        _ = Task.Run(stream.ReceiveAsync);
        _ = Task.Run(stream.ReadAcksAsync);
        return stream;
    }

    /// <summary>Sends <paramref name="count"/> messages (a multiple of <see cref="StreamWindow.AckEvery"/>) of
    /// <paramref name="size"/> bytes; the time until the last is acknowledged.</summary>
    public async Task<TimeSpan> SendAsync(int size, int count)
    {
        var message = new byte[4 + size];
        BinaryPrimitives.WriteInt32BigEndian(message, size);
        var burst = new byte[Math.Max(BurstBytes, message.Length)];
        var end = _sent + count;
        var clock = Stopwatch.StartNew();
        while (_acked < end)
        {
            var allowed = Math.Min(end - _sent, StreamWindow.InFlight - (_sent - _acked));
            var length = 0;
            for (; allowed > 0 && length + message.Length <= burst.Length; allowed--, _sent++)
            {
                message.CopyTo(burst, length);
                length += message.Length;
            }

            if (length > 0)
            {
                await _pair.Client.Stream.WriteAsync(burst.AsMemory(0, length));
            }

            if (allowed == 0)
            {
                // The window is full or everything is sent: nothing more to write until an acknowledgement comes.
                _acked = await _acks.Reader.ReadAsync();
            }

            while (_acks.Reader.TryRead(out var acked))
            {
                _acked = acked;
            }
        }

        return clock.Elapsed;
    }

    private async Task ReadAcksAsync()
    {
        var ack = new byte[8];
        while (true)
        {
            await _pair.Client.Stream.ReadExactlyAsync(ack);
            _acks.Writer.TryWrite(BinaryPrimitives.ReadInt64BigEndian(ack));
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[BurstBytes];
        var ack = new byte[8];
        int start = 0, end = 0;
        long received = 0;
        while (true)
        {
            var read = await _pair.Server.Stream.ReadAsync(buffer.AsMemory(end));
            if (read == 0)
            {
                return;
            }

            end += read;
            while (end - start >= 4 && end - start >= 4 + BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start)))
            {
                start += 4 + BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
                if (++received % StreamWindow.AckEvery == 0)
                {
                    BinaryPrimitives.WriteInt64BigEndian(ack, received);
                    await _pair.Server.Stream.WriteAsync(ack);
                }
            }

            // Keep the partial message at the front, so the next read has room after it.
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }
    }
}
