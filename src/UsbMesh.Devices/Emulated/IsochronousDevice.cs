using System.Threading.Channels;
using UsbMesh.Usb;

namespace UsbMesh.Devices.Emulated;

/// <summary>
/// An emulated audio-like device for tests: an isochronous IN source (ep 0x81) and an isochronous OUT sink
/// (ep 0x02) of <see cref="MaxPacketBytes"/> bytes per packet, one packet per frame.
/// </summary>
/// <remarks>
/// <para>IN: the source delivers the packet sizes of <see cref="InPacketSizes"/> in turn (like 44.1 kHz audio,
/// whose packets are not all the same size), filled with a running byte count (byte <c>n</c> of the stream is
/// <c>(byte)n</c>). A packet whose requested length holds the source's packet gets it whole, status 0; a shorter one
/// is babble: it fails with <see cref="UrbStatus.Overflow"/> and 0 bytes, and the source's packet is lost (the
/// stream moves on past it). The result's data is packed: each packet's bytes back to back, in packet order, without
/// the gaps the packets' offsets leave in the buffer.</para>
/// <para>OUT: every packet is accepted whole and recorded in <see cref="ReceivedPackets"/>; a packet larger than
/// <see cref="MaxPacketBytes"/> fails with <see cref="UrbStatus.Overflow"/> and is not recorded.</para>
/// <para>Frames: a transfer with <see cref="UrbTransferFlags.IsoAsap"/> starts at the device's next free frame
/// (<see cref="FirstFrame"/> at first); one without it starts at its own start frame. Either way the next free frame
/// is then the frame after its last packet. The URB's own status is 0 even when packets fail, as on Linux; the
/// failures are counted in <see cref="UrbResult.ErrorCount"/>.</para>
/// <para>Transfers to an endpoint put on <see cref="Hold"/> stay pending until unlinked (they complete with
/// <see cref="UrbStatus.Unlinked"/>) or the device goes away.</para>
/// </remarks>
public sealed class IsochronousDevice : IUsbDeviceBackend
{
    /// <summary>The isochronous IN source.</summary>
    public const byte IsoIn = 0x81;

    /// <summary>The isochronous OUT sink.</summary>
    public const byte IsoOut = 0x02;

    /// <summary>wMaxPacketSize of both endpoints: one millisecond of 48 kHz 16-bit stereo.</summary>
    public const int MaxPacketBytes = 192;

    /// <summary>The frame the first ASAP transfer starts at.</summary>
    public const int FirstFrame = 100;

    private readonly object _gate = new();
    private readonly HashSet<byte> _held = [];
    private readonly List<TaskCompletionSource<UrbResult>> _pending = [];
    private readonly List<byte[]> _receivedPackets = [];
    private readonly Channel<UrbRequest> _heldRequests = Channel.CreateUnbounded<UrbRequest>();
    private byte _activeConfiguration = 1;
    private long _streamPosition;
    private int _nextInSize;
    private int _nextFrame = FirstFrame;
    private bool _gone;

    /// <summary>Creates the device.</summary>
    /// <param name="inPacketSizes">The IN packet sizes delivered in turn, each 0 to <see cref="MaxPacketBytes"/>; 44.1 kHz stereo cadence when null.</param>
    public IsochronousDevice(IReadOnlyList<int>? inPacketSizes = null)
    {
        InPacketSizes = inPacketSizes ?? [176, 176, 176, 176, 176, 176, 176, 176, 176, 180];
        if (InPacketSizes.Count == 0 || InPacketSizes.Any(size => size is < 0 or > MaxPacketBytes))
        {
            throw new ArgumentException($"IN packet sizes are 0 to {MaxPacketBytes} bytes, at least one.", nameof(inPacketSizes));
        }

        Device = new DeviceDescriptor(0x0200, 0, 0, 0, 64, 0x1209, 0x0002, 0x0100, 0, 0, 0, 1);
        Configurations =
        [
            new ConfigurationBuilder()
                .Interface(0, UsbClassCodes.VendorSpecific)
                .Endpoint(1, UsbDirection.In, TransferType.Isochronous, MaxPacketBytes, interval: 4)
                .Endpoint(2, UsbDirection.Out, TransferType.Isochronous, MaxPacketBytes, interval: 4)
                .Build(),
        ];
    }

    /// <inheritdoc />
    public DeviceDescriptor Device { get; }

    /// <inheritdoc />
    public IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    /// <inheritdoc />
    public UsbSpeed Speed => UsbSpeed.High;

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

    /// <summary>The IN packet sizes the source delivers in turn.</summary>
    public IReadOnlyList<int> InPacketSizes { get; }

    /// <summary>What the OUT sink received, one entry per accepted packet, in order.</summary>
    public IReadOnlyList<byte[]> ReceivedPackets
    {
        get
        {
            lock (_gate)
            {
                return [.. _receivedPackets];
            }
        }
    }

    /// <summary>Transfers to <paramref name="endpointAddress"/> stay pending until unlinked or the device goes away.</summary>
    /// <param name="endpointAddress">The endpoint (0x81 or 0x02).</param>
    public void Hold(byte endpointAddress)
    {
        lock (_gate)
        {
            _held.Add(endpointAddress);
        }
    }

    /// <summary>The next transfer held back by <see cref="Hold"/>, once it reached the device.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public ValueTask<UrbRequest> NextHeldAsync(CancellationToken cancellationToken = default) =>
        _heldRequests.Reader.ReadAsync(cancellationToken);

    /// <inheritdoc />
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink)
    {
        ArgumentNullException.ThrowIfNull(request);
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

            if (request.TransferType != TransferType.Isochronous)
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.Stall));
            }

            if (unlink.IsCancellationRequested)
            {
                return Task.FromResult(UrbResult.Failed(UrbStatus.Unlinked));
            }

            if (_held.Contains(request.EndpointAddress))
            {
                var completion = new TaskCompletionSource<UrbResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending.Add(completion);
                unlink.Register(() => Finish(completion, UrbResult.Failed(UrbStatus.Unlinked)));
                _heldRequests.Writer.TryWrite(request);
                return completion.Task;
            }

            return Task.FromResult(request.Direction == UsbDirection.In ? Source(request) : Sink(request));
        }
    }

    /// <inheritdoc />
    public Task SetConfigurationAsync(byte value)
    {
        lock (_gate)
        {
            ThrowIfGone();
            _activeConfiguration = value;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetInterfaceAsync(byte interfaceNumber, byte alternate)
    {
        lock (_gate)
        {
            ThrowIfGone();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearHaltAsync(byte endpointAddress)
    {
        lock (_gate)
        {
            ThrowIfGone();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ResetAsync()
    {
        lock (_gate)
        {
            ThrowIfGone();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        TaskCompletionSource<UrbResult>[] pending;
        lock (_gate)
        {
            _gone = true;
            pending = [.. _pending];
        }

        foreach (var completion in pending)
        {
            Finish(completion, UrbResult.Failed(UrbStatus.DeviceGone));
        }

        _heldRequests.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    private void Finish(TaskCompletionSource<UrbResult> completion, UrbResult result)
    {
        lock (_gate)
        {
            _pending.Remove(completion);
        }

        completion.TrySetResult(result);
    }

    private void ThrowIfGone()
    {
        if (_gone)
        {
            throw new UsbBackendException(UrbStatus.DeviceGone, "The isochronous device was unplugged.");
        }
    }

    private UrbResult Source(UrbRequest request)
    {
        var data = new List<byte>();
        var packets = new IsoPacketResult[request.IsoPackets.Count];
        for (var i = 0; i < packets.Length; i++)
        {
            var packet = request.IsoPackets[i];
            var size = InPacketSizes[_nextInSize];
            _nextInSize = (_nextInSize + 1) % InPacketSizes.Count;
            if (packet.Length < size)
            {
                _streamPosition += size;
                packets[i] = new IsoPacketResult(packet.Offset, packet.Length, 0, UrbStatus.Overflow);
                continue;
            }

            for (var j = 0; j < size; j++)
            {
                data.Add((byte)_streamPosition++);
            }

            packets[i] = new IsoPacketResult(packet.Offset, packet.Length, size, UrbStatus.Completed);
        }

        return Completed(request, packets, data.ToArray());
    }

    private UrbResult Sink(UrbRequest request)
    {
        var packets = new IsoPacketResult[request.IsoPackets.Count];
        for (var i = 0; i < packets.Length; i++)
        {
            var packet = request.IsoPackets[i];
            if (packet.Length > MaxPacketBytes)
            {
                packets[i] = new IsoPacketResult(packet.Offset, packet.Length, 0, UrbStatus.Overflow);
                continue;
            }

            _receivedPackets.Add(request.OutData.Slice(packet.Offset, packet.Length).ToArray());
            packets[i] = new IsoPacketResult(packet.Offset, packet.Length, packet.Length, UrbStatus.Completed);
        }

        return Completed(request, packets, default);
    }

    /// <summary>The result of a transfer that ran: status 0, the packets' sum as its length, and its start frame.</summary>
    private UrbResult Completed(UrbRequest request, IsoPacketResult[] packets, ReadOnlyMemory<byte> inData)
    {
        var startFrame = request.Flags.HasFlag(UrbTransferFlags.IsoAsap) ? _nextFrame : request.StartFrame;
        _nextFrame = startFrame + packets.Length;
        return new UrbResult(UrbStatus.Completed, packets.Sum(p => p.ActualLength))
        {
            InData = inData,
            IsoPacketResults = packets,
            ErrorCount = packets.Count(p => p.Status != UrbStatus.Completed),
            StartFrame = startFrame,
        };
    }

    private UrbResult Control(UrbRequest request)
    {
        // Only the descriptors are asked for; anything else stalls.
        DescriptorRequests.TryAnswer(request, Device, Configurations, out var result);
        return result;
    }
}
