using System.Security.Cryptography;
using UsbMesh.Devices;
using UsbMesh.Node.Tests.Bridges;
using UsbMesh.Usb;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>What one traffic loop did: round trips, bytes checked, and the first thing that went wrong.</summary>
public sealed class TrafficTally(string device)
{
    private long _operations;
    private long _bytes;

    public string Device { get; } = device;

    public long Operations => Interlocked.Read(ref _operations);

    public long Bytes => Interlocked.Read(ref _bytes);

    public string? Failure { get; private set; }

    public void Count(int bytes)
    {
        Interlocked.Increment(ref _operations);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Fail(string failure) => Failure ??= failure;

    public override string ToString() => $"{Device}: {Operations} round trips, {Bytes / (1024.0 * 1024):F1} MiB checked{(Failure is null ? "" : $", FAILED: {Failure}")}";
}

/// <summary>
/// Continuous traffic on imported devices, each loop checking what comes back: a stick gets blocks written at random
/// places and read back, a serial port in echo mode gets random bytes that must return in order, a keyboard answers
/// GET_DESCRIPTOR on its control endpoint. A loop runs until it is stopped or something differs; every URB is
/// bounded in time, so a stuck transfer ends the loop with a failure instead of hanging the soak.
/// </summary>
public static class SoakTraffic
{
    private const int StickChunkBlocks = 64;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Writes 32 KiB at a random place among the first <paramref name="blocks"/> and reads it back, again and again.</summary>
    public static Task RunStickAsync(IUsbDeviceBackend stick, uint blocks, int seed, TrafficTally tally, CancellationToken stop) =>
        LoopAsync(tally, stop, async () =>
        {
            var random = new Random(seed);
            var initiator = BulkOnlyClient.For(stick);
            var chunk = new byte[StickChunkBlocks * BulkOnlyClient.BlockSize];
            return async () =>
            {
                random.NextBytes(chunk);
                var lba = (uint)random.Next(0, (int)(blocks - StickChunkBlocks));
                await initiator.WriteAsync(lba, chunk);
                var read = await initiator.ReadAsync(lba, StickChunkBlocks);
                Check(tally, SHA256.HashData(chunk).AsSpan().SequenceEqual(SHA256.HashData(read)), $"block {lba} read back differently");
                tally.Count(chunk.Length * 2);
            };
        });

    /// <summary>Sends 1 to 512 random bytes to an echoing serial port and reads them back in order.</summary>
    public static Task RunSerialEchoAsync(IUsbDeviceBackend serial, int seed, TrafficTally tally, CancellationToken stop) =>
        LoopAsync(tally, stop, () =>
        {
            var random = new Random(seed);
            return Task.FromResult<Func<Task>>(async () =>
            {
                var sent = new byte[random.Next(1, 513)];
                random.NextBytes(sent);
                await RunAsync(serial, UrbRequest.BulkOut(1, sent), tally);
                var echoed = new List<byte>(sent.Length);
                while (echoed.Count < sent.Length)
                {
                    var result = await RunAsync(serial, UrbRequest.BulkIn(1, 512), tally);
                    echoed.AddRange(result.InData.ToArray());
                }

                Check(tally, echoed.SequenceEqual(sent), $"{sent.Length} bytes echoed differently");
                tally.Count(sent.Length * 2);
            });
        });

    /// <summary>Reads the device descriptor over the control endpoint and compares it with the first answer.</summary>
    public static Task RunControlAsync(IUsbDeviceBackend device, TrafficTally tally, CancellationToken stop) =>
        LoopAsync(tally, stop, () =>
        {
            var expected = device.Device.ToBytes();
            var request = UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18));
            return Task.FromResult<Func<Task>>(async () =>
            {
                var result = await RunAsync(device, request, tally);
                Check(tally, result.InData.Span.SequenceEqual(expected), "the device descriptor changed");
                tally.Count(result.InData.Length);
            });
        });

    private static async Task LoopAsync(TrafficTally tally, CancellationToken stop, Func<Task<Func<Task>>> prepare)
    {
        try
        {
            var once = await prepare();
            while (!stop.IsCancellationRequested && tally.Failure is null)
            {
                await once();
            }
        }
        catch (Exception e)
        {
            tally.Fail($"{e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task<UrbResult> RunAsync(IUsbDeviceBackend device, UrbRequest request, TrafficTally tally)
    {
        var result = await device.SubmitAsync(request, CancellationToken.None).WaitAsync(Patience);
        Check(tally, result.Status == UrbStatus.Completed, $"a URB ended {result.Status}");
        return result;
    }

    private static void Check(TrafficTally tally, bool holds, string failure)
    {
        if (!holds)
        {
            tally.Fail(failure);
            throw new InvalidOperationException(failure);
        }
    }
}
