using UsbMesh.Devices;
using UsbMesh.Devices.Emulated;
using UsbMesh.Usb;

namespace UsbMesh.Bench.UsbIp;

/// <summary>
/// An emulated sink/source gadget for the endpoint benchmark: bulk OUT (ep 0x01) discards what it receives, bulk IN
/// (ep 0x81) and interrupt IN (ep 0x82) answer the requested length at once from one preallocated buffer. Every
/// transfer completes synchronously, so the device adds no latency of its own; what is measured is the exporter.
/// </summary>
/// <remarks>
/// <see cref="Devices.Emulated.LoopbackDevice"/> is not used: its OUT sink keeps a copy of every transfer (memory grows
/// with the run) and its IN source allocates and fills a new pattern array per transfer.
/// </remarks>
internal sealed class SinkSourceDevice : IUsbDeviceBackend
{
    public const byte BulkOut = 0x01;
    public const byte BulkIn = 0x81;
    public const byte InterruptIn = 0x82;

    private readonly byte[] _source;
    private long _outBytes;

    public SinkSourceDevice(int maxTransferLength)
    {
        _source = new byte[maxTransferLength];
        for (var i = 0; i < _source.Length; i++)
        {
            _source[i] = (byte)i;
        }

        Device = new DeviceDescriptor(0x0200, UsbClassCodes.VendorSpecific, 0, 0, 64, 0x1209, 0x0002, 0x0100, 0, 0, 0, 1);
        Configurations =
        [
            new ConfigurationBuilder()
                .Interface(0, UsbClassCodes.VendorSpecific)
                .Endpoint(1, UsbDirection.Out, TransferType.Bulk, 512)
                .Endpoint(1, UsbDirection.In, TransferType.Bulk, 512)
                .Endpoint(2, UsbDirection.In, TransferType.Interrupt, 64, interval: 1)
                .Build(),
        ];
    }

    public DeviceDescriptor Device { get; }

    public IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    public UsbSpeed Speed => UsbSpeed.High;

    public byte ActiveConfigurationValue => 1;

    /// <summary>Bytes the OUT sink has discarded.</summary>
    public long OutBytes => Interlocked.Read(ref _outBytes);

    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TransferType == TransferType.Control)
        {
            return Task.FromResult(Control(request));
        }

        if (request.Direction == UsbDirection.Out)
        {
            Interlocked.Add(ref _outBytes, request.TransferLength);
            return Task.FromResult(UrbResult.Transferred(request, request.TransferLength));
        }

        var length = Math.Min(request.TransferLength, _source.Length);
        return Task.FromResult(UrbResult.Transferred(request, length, _source.AsMemory(0, length)));
    }

    public Task SetConfigurationAsync(byte value) => Task.CompletedTask;

    public Task SetInterfaceAsync(byte interfaceNumber, byte alternate) => Task.CompletedTask;

    public Task ClearHaltAsync(byte endpointAddress) => Task.CompletedTask;

    public Task ResetAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private UrbResult Control(UrbRequest request)
    {
        // Only the descriptors are asked for; anything else stalls.
        DescriptorRequests.TryAnswer(request, Device, Configurations, out var result);
        return result;
    }
}
