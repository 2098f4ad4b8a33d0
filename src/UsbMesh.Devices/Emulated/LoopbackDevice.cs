using System.Threading.Channels;
using UsbMesh.Usb;

namespace UsbMesh.Devices.Emulated;

/// <summary>
/// An emulated vendor-class device for tests and demonstrations: a bulk OUT sink (ep 0x01) that keeps what it
/// receives, a bulk IN source (ep 0x81) and an interrupt IN endpoint (ep 0x82). Transfers to an endpoint put on
/// <see cref="Hold"/> stay pending until the test completes them (<see cref="NextPendingAsync"/>), which makes
/// reordering and unlink races deterministic. Every standard operation is recorded.
/// </summary>
/// <remarks>
/// Unheld transfers complete at once: OUT data is appended to <see cref="Received"/>; IN data comes from
/// <see cref="EnqueueIn"/> (one chunk per transfer, cut to the request length) or, with nothing queued, a counting
/// pattern of the full requested length. An endpoint marked with <see cref="StallEndpoint"/> stalls every transfer
/// until <see cref="ClearHaltAsync"/>, as a real halted endpoint does. After <see cref="Unplug"/> (or dispose) every
/// pending and later transfer completes with <see cref="UrbStatus.DeviceGone"/>. Control requests: GET_DESCRIPTOR of
/// the device and configuration are answered from the descriptors; vendor requests are recorded in
/// <see cref="ControlRequests"/> and succeed (IN ones with a counting pattern); anything else stalls.
/// </remarks>
public sealed class LoopbackDevice : IUsbDeviceBackend
{
    /// <summary>The bulk OUT sink.</summary>
    public const byte BulkOut = 0x01;

    /// <summary>The bulk IN source.</summary>
    public const byte BulkIn = 0x81;

    /// <summary>The interrupt IN endpoint.</summary>
    public const byte InterruptIn = 0x82;

    private readonly object _gate = new();
    private readonly Dictionary<byte, bool> _held = [];
    private readonly HashSet<byte> _stalled = [];
    private readonly HashSet<PendingTransfer> _pending = [];
    private readonly Queue<byte[]> _inQueue = new();
    private readonly List<byte[]> _received = [];
    private readonly List<byte> _setConfigurationCalls = [];
    private readonly List<(byte Interface, byte Alternate)> _setInterfaceCalls = [];
    private readonly List<byte> _clearHaltCalls = [];
    private readonly List<SetupPacket> _controlRequests = [];
    private readonly Channel<PendingTransfer> _pendingQueue = Channel.CreateUnbounded<PendingTransfer>();
    private byte _activeConfiguration = 1;
    private int _resetCount;
    private int _leasesEnded;
    private int _submitted;
    private bool _gone;

    /// <summary>Creates the device.</summary>
    /// <param name="speed">The speed it reports.</param>
    public LoopbackDevice(UsbSpeed speed = UsbSpeed.High)
    {
        Speed = speed;
        Device = new DeviceDescriptor(0x0200, UsbClassCodes.VendorSpecific, 0, 0, 64, 0x1209, 0x0001, 0x0100, 0, 0, 0, 1);
        Configurations =
        [
            new ConfigurationBuilder()
                .Interface(0, UsbClassCodes.VendorSpecific)
                .Endpoint(1, UsbDirection.Out, TransferType.Bulk, 512)
                .Endpoint(1, UsbDirection.In, TransferType.Bulk, 512)
                .Endpoint(2, UsbDirection.In, TransferType.Interrupt, 8, interval: 4)
                .Interface(0, UsbClassCodes.VendorSpecific, alternateSetting: 1)
                .Endpoint(1, UsbDirection.Out, TransferType.Bulk, 512)
                .Endpoint(1, UsbDirection.In, TransferType.Bulk, 512)
                .Build(),
        ];
    }

    /// <inheritdoc />
    public DeviceDescriptor Device { get; }

    /// <inheritdoc />
    public IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    /// <inheritdoc />
    public UsbSpeed Speed { get; }

    /// <inheritdoc />
    public byte ActiveConfigurationValue
    {
        get
        {
            lock (_gate)
            {
                return _activeConfiguration;
            }
        }
    }

    /// <summary>What the bulk OUT sink received, one entry per transfer.</summary>
    public IReadOnlyList<byte[]> Received => Snapshot(_received);

    /// <summary>SET_CONFIGURATION values, in order.</summary>
    public IReadOnlyList<byte> SetConfigurationCalls => Snapshot(_setConfigurationCalls);

    /// <summary>SET_INTERFACE calls, in order.</summary>
    public IReadOnlyList<(byte Interface, byte Alternate)> SetInterfaceCalls => Snapshot(_setInterfaceCalls);

    /// <summary>Endpoints whose halt was cleared, in order.</summary>
    public IReadOnlyList<byte> ClearHaltCalls => Snapshot(_clearHaltCalls);

    /// <summary>Control requests that reached the device as control transfers (not the ones the exporter answers).</summary>
    public IReadOnlyList<SetupPacket> ControlRequests => Snapshot(_controlRequests);

    /// <summary>How many times the device was reset.</summary>
    public int ResetCount => Volatile.Read(ref _resetCount);

    /// <summary>How many leases have ended (released, or their holder gone).</summary>
    public int LeasesEnded => Volatile.Read(ref _leasesEnded);

    /// <summary>How many transfers were submitted.</summary>
    public int SubmittedCount => Volatile.Read(ref _submitted);

    /// <summary>Whether the device was unplugged or disposed.</summary>
    public bool IsGone
    {
        get
        {
            lock (_gate)
            {
                return _gone;
            }
        }
    }

    /// <summary>Transfers to <paramref name="endpointAddress"/> stay pending until completed through <see cref="NextPendingAsync"/>.</summary>
    /// <param name="endpointAddress">The endpoint (0x01, 0x81, 0x82).</param>
    /// <param name="honourUnlink">
    /// True: an unlink completes a pending transfer with <see cref="UrbStatus.Unlinked"/> (the unlink wins). False:
    /// it is only noted (<see cref="PendingTransfer.UnlinkRequested"/>) and the transfer completes when the test says,
    /// as a transfer the hardware had already finished does.
    /// </param>
    public void Hold(byte endpointAddress, bool honourUnlink = true)
    {
        lock (_gate)
        {
            _held[endpointAddress] = honourUnlink;
        }
    }

    /// <summary>Queues one chunk for a bulk or interrupt IN transfer.</summary>
    /// <param name="data">The chunk.</param>
    public void EnqueueIn(byte[] data)
    {
        lock (_gate)
        {
            _inQueue.Enqueue(data);
        }
    }

    /// <summary>Halts an endpoint: its transfers stall until its halt is cleared.</summary>
    /// <param name="endpointAddress">The endpoint.</param>
    public void StallEndpoint(byte endpointAddress)
    {
        lock (_gate)
        {
            _stalled.Add(endpointAddress);
        }
    }

    /// <summary>The next transfer held back by <see cref="Hold"/>, in submission order across endpoints.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ValueTask<PendingTransfer> NextPendingAsync(CancellationToken cancellationToken = default) =>
        _pendingQueue.Reader.ReadAsync(cancellationToken);

    /// <summary>Unplugs the device: every pending and later transfer completes with <see cref="UrbStatus.DeviceGone"/>.</summary>
    public void Unplug()
    {
        PendingTransfer[] pending;
        lock (_gate)
        {
            _gone = true;
            pending = [.. _pending];
            _pending.Clear();
        }

        foreach (var transfer in pending)
        {
            transfer.Fail(UrbStatus.DeviceGone);
        }
    }

    /// <inheritdoc />
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _submitted);
        lock (_gate)
        {
            if (_gone)
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.DeviceGone));
            }

            if (request.TransferType == TransferType.Control)
            {
                return Task.FromResult(Control(request));
            }

            if (_stalled.Contains(request.EndpointAddress))
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.Stall));
            }

            if (unlink.IsCancellationRequested)
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.Unlinked));
            }

            if (_held.TryGetValue(request.EndpointAddress, out var honourUnlink))
            {
                var transfer = new PendingTransfer(this, request);
                _pending.Add(transfer);
                transfer.Watch(unlink, honourUnlink);
                _pendingQueue.Writer.TryWrite(transfer);
                return transfer.Completion;
            }

            return Task.FromResult(Run(request, null));
        }
    }

    /// <inheritdoc />
    public Task SetConfigurationAsync(byte value)
    {
        lock (_gate)
        {
            ThrowIfGone();
            _setConfigurationCalls.Add(value);
            _activeConfiguration = value;
            _stalled.Clear();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetInterfaceAsync(byte interfaceNumber, byte alternate)
    {
        lock (_gate)
        {
            ThrowIfGone();
            _setInterfaceCalls.Add((interfaceNumber, alternate));
            _stalled.Clear();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearHaltAsync(byte endpointAddress)
    {
        lock (_gate)
        {
            ThrowIfGone();
            _clearHaltCalls.Add(endpointAddress);
            _stalled.Remove(endpointAddress);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ResetAsync()
    {
        lock (_gate)
        {
            ThrowIfGone();
            _resetCount++;
            _stalled.Clear();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task LeaseEndedAsync()
    {
        Interlocked.Increment(ref _leasesEnded);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Unplug();
        _pendingQueue.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    private void ThrowIfGone()
    {
        if (_gone)
        {
            throw new UsbBackendException(UrbStatus.DeviceGone, "The loopback device was unplugged.");
        }
    }

    private UrbResult Control(UrbRequest request)
    {
        if (DescriptorRequests.TryAnswer(request, Device, Configurations, out var answer))
        {
            return answer;
        }

        var setup = request.Setup!.Value;
        if (setup.Type != RequestType.Vendor)
        {
            return UrbResult.Failed(UrbStatus.Stall);
        }

        _controlRequests.Add(setup);
        return setup.Direction == UsbDirection.In
            ? UrbResult.Transferred(request, request.TransferLength, Pattern(request.TransferLength))
            : UrbResult.Transferred(request, request.TransferLength);
    }

    /// <summary>Carries out a bulk or interrupt transfer; with <paramref name="inData"/>, that is the IN data.</summary>
    private UrbResult Run(UrbRequest request, ReadOnlyMemory<byte>? inData)
    {
        if (request.Direction == UsbDirection.Out)
        {
            _received.Add(request.OutData.ToArray());
            return UrbResult.Transferred(request, request.TransferLength);
        }

        var data = inData ?? (_inQueue.TryDequeue(out var chunk) ? chunk : Pattern(request.TransferLength));
        var length = Math.Min(data.Length, request.TransferLength);
        return UrbResult.Transferred(request, length, data[..length]);
    }

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)i;
        }

        return data;
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    /// <summary>A transfer held back by <see cref="Hold"/>; the test decides how and when it completes.</summary>
    public sealed class PendingTransfer
    {
        private readonly LoopbackDevice _device;
        private readonly TaskCompletionSource<UrbResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _unlinkRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal PendingTransfer(LoopbackDevice device, UrbRequest request)
        {
            _device = device;
            Request = request;
        }

        /// <summary>The transfer.</summary>
        public UrbRequest Request { get; }

        /// <summary>Completes when the transfer is unlinked (after the cancellation took effect, when the device honours unlinks).</summary>
        public Task UnlinkRequested => _unlinkRequested.Task;

        internal Task<UrbResult> Completion => _completion.Task;

        /// <summary>Completes the transfer as the device would: OUT data goes to the sink, IN data is <paramref name="inData"/> (or the queue / pattern).</summary>
        /// <param name="inData">Data for an IN transfer.</param>
        /// <returns>False if it had completed already (unlinked, or the device went away).</returns>
        public bool Complete(byte[]? inData = null)
        {
            lock (_device._gate)
            {
                if (!_device._pending.Remove(this))
                {
                    return false;
                }

                return _completion.TrySetResult(_device.Run(Request, inData));
            }
        }

        /// <summary>Completes the transfer with a failure status.</summary>
        /// <param name="status">The status (for example <see cref="UrbStatus.Stall"/>).</param>
        /// <returns>False if it had completed already.</returns>
        public bool Fail(UrbStatus status)
        {
            lock (_device._gate)
            {
                _device._pending.Remove(this);
            }

            return _completion.TrySetResult(UrbResult.Failed(status));
        }

        internal void Watch(CancellationToken unlink, bool honourUnlink)
        {
            if (!unlink.CanBeCanceled)
            {
                return;
            }

            // The registration lives as long as the token source; the pipe disposes it when the transfer completes.
            unlink.Register(() =>
            {
                // Cancel first, so that a test that has seen UnlinkRequested knows the outcome is settled.
                if (honourUnlink)
                {
                    Fail(UrbStatus.Unlinked);
                }

                _unlinkRequested.TrySetResult();
            });
        }
    }
}
