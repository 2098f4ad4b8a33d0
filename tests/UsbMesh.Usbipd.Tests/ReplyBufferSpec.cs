using System.Security.Cryptography;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

/// <summary>
/// Large IN replies leave by reference in one gathered send, and the buffer a backend lent for the data goes back to
/// it once the reply is on the wire — exactly once, never before.
/// </summary>
public sealed class ReplyBufferSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    private const int Megabyte = 1 << 20;

    [Fact]
    public async Task Megabyte_replies_arrive_intact_and_each_lent_buffer_comes_back_once_they_are_sent()
    {
        var loopback = new LoopbackDevice(UsbSpeed.Super);
        var lending = new LendingDevice(loopback);
        var device = Sys.ActorOf(UsbDeviceActor.Props(lending), "dev-3-1");
        Exports.Tell(new Exports.Register(new ExportedDevice("3-1", "/sys/devices/platform/usbmesh/3-1", 3, 1, device)), TestActor);
        ExpectMsg<Exports.Registered>();
        var chunks = Enumerable.Range(0, 8).Select(i => RandomNumberGenerator.GetBytes(Megabyte - (i * 4096))).ToArray();
        foreach (var chunk in chunks)
        {
            loopback.EnqueueIn(chunk);
        }

        await using var client = await ImportedAsync("3-1");
        var seqnums = new List<uint>();
        foreach (var _ in chunks)
        {
            seqnums.Add(await client.SubmitAsync(UsbIpDirection.In, 1, Megabyte));
        }

        foreach (var (seqnum, chunk) in seqnums.Zip(chunks))
        {
            var reply = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
            Assert.Equal((seqnum, 0, chunk.Length), (reply.Seqnum, reply.Status, reply.ActualLength));
            Assert.True(chunk.AsSpan().SequenceEqual(reply.Data.Span), $"seqnum {seqnum}: the data differs");
        }

        await AwaitConditionAsync(() => Task.FromResult(lending.Returned == chunks.Length), Dilated(TimeSpan.FromSeconds(5)));
        Assert.Equal(chunks.Length, lending.Lent);
        Assert.Equal(0, lending.ReturnedTwice);
    }

    /// <summary>Hands IN data out in buffers of its own and counts their return.</summary>
    private sealed class LendingDevice(LoopbackDevice inner) : IUsbDeviceBackend
    {
        private int _lent;
        private int _returned;
        private int _returnedTwice;

        public int Lent => Volatile.Read(ref _lent);

        public int Returned => Volatile.Read(ref _returned);

        public int ReturnedTwice => Volatile.Read(ref _returnedTwice);

        public DeviceDescriptor Device => inner.Device;

        public IReadOnlyList<ConfigurationDescriptor> Configurations => inner.Configurations;

        public UsbSpeed Speed => inner.Speed;

        public byte ActiveConfigurationValue => inner.ActiveConfigurationValue;

        public async Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink)
        {
            var result = await inner.SubmitAsync(request, unlink);
            if (result.InData.Length < 4096)
            {
                return result;
            }

            var lent = new byte[result.InData.Length];
            result.InData.CopyTo(lent);
            Interlocked.Increment(ref _lent);
            return result with { InData = lent, InDataRelease = new Release(this, lent) };
        }

        public Task SetConfigurationAsync(byte value) => inner.SetConfigurationAsync(value);

        public Task SetInterfaceAsync(byte interfaceNumber, byte alternate) => inner.SetInterfaceAsync(interfaceNumber, alternate);

        public Task ClearHaltAsync(byte endpointAddress) => inner.ClearHaltAsync(endpointAddress);

        public Task ResetAsync() => inner.ResetAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private sealed class Release(LendingDevice owner, byte[] data) : IDisposable
        {
            private int _disposed;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 1)
                {
                    Interlocked.Increment(ref owner._returnedTwice);
                    return;
                }

                // Scribble over the data, as a pool reusing the buffer would: a reply still to be sent would show it.
                Array.Fill(data, (byte)0xEE);
                Interlocked.Increment(ref owner._returned);
            }
        }
    }
}
