using System.Diagnostics;
using UsbMesh.Actors;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Transport;
using UsbMesh.Sessions.Client;
using UsbMesh.Usb;

namespace UsbMesh.Cli.Demo;

/// <summary>
/// What the demo does with the hub's stick from the desk: finds it in the mesh, times round trips over a mesh lane and
/// of single URBs, writes a pattern with SCSI WRITE(10) and reads it back with READ(10), checking every byte.
/// </summary>
internal static class StickWorkload
{
    /// <summary>Each SCSI command moves this much: 16 URBs of 64 KiB in flight.</summary>
    public const int CommandBytes = 1 << 20;

    /// <summary>The hub's echo for mesh round trips: what a lane sends comes back.</summary>
    public const string EchoService = "usbmesh-demo-echo";

    private const int PingBytes = 64;

    /// <summary>Waits until the desk's view of the mesh shows the hub's stick; returns its bus id.</summary>
    public static async Task<string> FindStickAsync(IActorRef deskMesh, NodeId hub, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var visible = await deskMesh.Ask<MeshDirectory.Visible>(MeshDirectory.GetVisible.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            var stick = visible.Devices.FirstOrDefault(d => d.Origin == hub
                && d.Device.VendorId == GadgetIdentity.MassStorage.VendorId && d.Device.ProductId == GadgetIdentity.MassStorage.ProductId);
            if (stick is not null)
            {
                return stick.Device.BusId;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the desk did not see the hub's stick within {timeout.TotalSeconds:F0} s (it sees {visible.Devices.Count} device(s))");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Offers <see cref="EchoService"/> on <paramref name="remoting"/>.</summary>
    public static void OfferEcho(Remoting remoting) => remoting.RegisterLaneService(EchoService, async (_, lane) =>
    {
        var buffer = new byte[PingBytes];
        try
        {
            while (true)
            {
                await lane.ReadExactlyAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                await lane.WriteAsync(buffer).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            // The desk is done with the lane.
        }
        finally
        {
            lane.Complete();
        }
    });

    /// <summary><paramref name="count"/> round trips of 64 bytes over a lane to the hub's echo, one at a time.</summary>
    public static async Task<RoundTrips> MeshRoundTripsAsync(Remoting desk, NodeId hub, int count, Action<long> progress, CancellationToken cancellationToken)
    {
        var lane = await desk.OpenLaneAsync(hub, EchoService, cancellationToken).ConfigureAwait(false);
        var ping = new byte[PingBytes];
        var pong = new byte[PingBytes];
        var times = new List<double>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                ping[0] = (byte)i;
                var start = Stopwatch.GetTimestamp();
                await lane.WriteAsync(ping, cancellationToken).ConfigureAwait(false);
                await lane.ReadExactlyAsync(pong, cancellationToken, "the hub's echo closed the lane").ConfigureAwait(false);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                if (pong[0] != ping[0])
                {
                    throw new InvalidDataException($"round trip {i} came back as another one");
                }

                progress(i + 1);
            }
        }
        finally
        {
            lane.Complete();
        }

        return new RoundTrips(times);
    }

    /// <summary><paramref name="count"/> GET_DESCRIPTOR(device) control transfers, one at a time: one URB each way.</summary>
    public static async Task<RoundTrips> UrbRoundTripsAsync(RemoteDevice stick, int count, Action<long> progress, CancellationToken cancellationToken)
    {
        var times = new List<double>(count);
        var setup = SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await stick.ControlAsync(setup, cancellationToken: cancellationToken).ConfigureAwait(false);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (result.Status != UrbStatus.Completed || result.ActualLength != 18)
            {
                throw new IOException($"GET_DESCRIPTOR ended {result.Status} after {result.ActualLength} bytes");
            }

            progress(i + 1);
        }

        return new RoundTrips(times);
    }

    /// <summary>
    /// Writes <paramref name="pattern"/> from block 0 and reads it back, one <see cref="CommandBytes"/> command at a
    /// time; returns the time each way. Every byte read is compared with what was written.
    /// </summary>
    /// <exception cref="InvalidDataException">A byte read back differs; the message says where.</exception>
    public static async Task<(TimeSpan Write, TimeSpan Read)> WriteAndVerifyAsync(
        RemoteDevice stick, byte[] pattern, Action<long> written, Action<long> read, CancellationToken cancellationToken)
    {
        var blocks = new BulkOnlyInitiator(stick.SubmitAsync);
        await ReadyAsync(blocks, cancellationToken).ConfigureAwait(false);
        var (capacity, blockLength) = await blocks.ReadCapacityAsync(cancellationToken).ConfigureAwait(false);
        if (blockLength != BulkOnlyInitiator.BlockSize || capacity * blockLength < pattern.Length)
        {
            throw new InvalidDataException($"the stick has {capacity} blocks of {blockLength} bytes; the demo needs {pattern.Length} bytes in blocks of {BulkOnlyInitiator.BlockSize}");
        }

        var clock = Stopwatch.StartNew();
        for (var offset = 0; offset < pattern.Length; offset += CommandBytes)
        {
            var length = Math.Min(CommandBytes, pattern.Length - offset);
            await blocks.WriteAsync(Lba(offset), pattern.AsMemory(offset, length), cancellationToken).ConfigureAwait(false);
            written(offset + length);
        }

        var writeTime = clock.Elapsed;
        var buffer = new byte[CommandBytes];
        clock.Restart();
        for (var offset = 0; offset < pattern.Length; offset += CommandBytes)
        {
            var length = Math.Min(CommandBytes, pattern.Length - offset);
            await blocks.ReadAsync(Lba(offset), buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            var differs = buffer.AsSpan(0, length).CommonPrefixLength(pattern.AsSpan(offset, length));
            if (differs < length)
            {
                throw new InvalidDataException(FormattableString.Invariant(
                    $"byte {offset + differs} read back as 0x{buffer[differs]:x2}, written as 0x{pattern[offset + differs]:x2}"));
            }

            read(offset + length);
        }

        return (writeTime, clock.Elapsed);
    }

    /// <summary>A fresh stick may first report a unit attention; a few TEST UNIT READY clear it, as a host's first ones do.</summary>
    private static async Task ReadyAsync(BulkOnlyInitiator blocks, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await blocks.TestUnitReadyAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BulkOnlyException) when (attempt < 3)
            {
            }
        }
    }

    private static uint Lba(int offset) => (uint)(offset / BulkOnlyInitiator.BlockSize);
}
