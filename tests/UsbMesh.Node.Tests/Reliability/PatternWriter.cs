using System.Security.Cryptography;
using UsbMesh.Devices;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usb;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// Writes a random pattern to a stick, one WRITE(10) of <see cref="ChunkBytes"/> after the other from
/// <see cref="FirstLba"/>, and keeps what the host side saw: how many chunks the device acknowledged (a
/// passed status wrapper), and how each URB that did not complete ended. A crash spec kills a node while it runs and
/// then checks that every acknowledged chunk is on the image, and that the write in flight ended as it should.
/// </summary>
internal sealed class PatternWriter
{
    public const int ChunkBytes = 64 * BulkOnlyClient.BlockSize;

    /// <summary>Where the pattern starts: past the first MiB, where a partition table would be.</summary>
    public const uint FirstLba = 2048;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly BulkOnlyInitiator _blocks;
    private readonly Func<TimeSpan> _clock;
    private readonly List<(UrbStatus Status, TimeSpan At)> _failures = [];
    private readonly List<(int Chunks, TaskCompletionSource Reached)> _waiters = [];
    private int _acknowledged;

    /// <param name="device">The imported stick.</param>
    /// <param name="bytes">The pattern's length, whole chunks.</param>
    /// <param name="seed">The pattern's random seed.</param>
    /// <param name="clock">The test's clock, on which failed URBs are timed.</param>
    public PatternWriter(IUsbDeviceBackend device, int bytes, int seed, Func<TimeSpan> clock)
    {
        Pattern = new byte[bytes];
        new Random(seed).NextBytes(Pattern);
        _clock = clock;
        // Each URB bounded, so a URB nobody ends shows as a TimeoutException rather than a hung spec.
        _blocks = new BulkOnlyInitiator(async (request, cancellationToken) =>
        {
            var result = await device.SubmitAsync(request, cancellationToken).WaitAsync(Patience, cancellationToken);
            if (result.Status != UrbStatus.Completed)
            {
                lock (_failures)
                {
                    _failures.Add((result.Status, _clock()));
                }
            }

            return result;
        });
    }

    public byte[] Pattern { get; }

    /// <summary>Chunks the device acknowledged, in order from the first.</summary>
    public int Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>How each URB that did not complete ended, and when.</summary>
    public IReadOnlyList<(UrbStatus Status, TimeSpan At)> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>The pattern's first <paramref name="chunks"/> chunks, hashed.</summary>
    public byte[] HashOf(int chunks) => SHA256.HashData(Pattern.AsSpan(0, chunks * ChunkBytes));

    /// <summary>Completes once <paramref name="chunks"/> chunks are acknowledged.</summary>
    public Task ReachedAsync(int chunks)
    {
        lock (_waiters)
        {
            if (Acknowledged >= chunks)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((chunks, reached));
            return reached.Task;
        }
    }

    /// <summary>Writes the whole pattern; returns null when every chunk was acknowledged, else what ended the writes.</summary>
    public async Task<Exception?> RunAsync()
    {
        try
        {
            for (var chunk = 0; chunk < Pattern.Length / ChunkBytes; chunk++)
            {
                await _blocks.WriteAsync(LbaOf(chunk), Pattern.AsMemory(chunk * ChunkBytes, ChunkBytes));
                Acknowledge(chunk + 1);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            return e;
        }
    }

    /// <summary>Reads <paramref name="chunks"/> chunks back through <paramref name="device"/> and hashes them.</summary>
    public static async Task<byte[]> ReadBackHashAsync(IUsbDeviceBackend device, int chunks)
    {
        var blocks = BulkOnlyClient.For(device);
        var read = new byte[chunks * ChunkBytes];
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            await blocks.ReadAsync(LbaOf(chunk), read.AsMemory(chunk * ChunkBytes, ChunkBytes));
        }

        return SHA256.HashData(read);
    }

    private static uint LbaOf(int chunk) => FirstLba + (uint)(chunk * ChunkBytes / BulkOnlyClient.BlockSize);

    private void Acknowledge(int chunks)
    {
        lock (_waiters)
        {
            Volatile.Write(ref _acknowledged, chunks);
            foreach (var waiter in _waiters.Where(w => w.Chunks <= chunks).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Reached.SetResult();
            }
        }
    }
}
