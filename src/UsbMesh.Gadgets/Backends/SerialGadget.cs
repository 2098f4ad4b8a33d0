using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Threading.Channels;
using UsbMesh.Gadgets.Cdc;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Backends;

/// <summary>What a serial gadget does with the bytes the host writes.</summary>
public enum SerialMode
{
    /// <summary>They come back to the host (a loopback plug).</summary>
    Echo,

    /// <summary>They go to <see cref="SerialGadget.FromHost"/>; the application answers with <see cref="SerialGadget.Send"/>.</summary>
    Channel,

    /// <summary>
    /// They go to the one client connected to a TCP listener on the node, and what the client sends goes to the host
    /// (a serial cable to a TCP socket). With no client connected they are lost (<see cref="SerialGadget.DroppedHostBytes"/>).
    /// </summary>
    Tcp,
}

/// <summary>
/// An emulated full-speed CDC-ACM serial port: an interface association over a communication interface (class 2,
/// ACM subclass 2, AT protocol 1) with header, call management, ACM and union functional descriptors and the
/// interrupt notification endpoint 0x82, and a data interface (class 0x0A) with bulk OUT 0x01 and bulk IN 0x81 of
/// 64 bytes.
/// </summary>
/// <remarks>
/// Class requests (SET/GET_LINE_CODING, SET_CONTROL_LINE_STATE, SEND_BREAK) go to <see cref="CdcAcmRequests"/>;
/// the result is <see cref="LineState"/> and <see cref="LineStateChanged"/>. Bytes for the host (echoed, or given
/// to <see cref="Send"/>) are buffered and complete waiting bulk IN URBs as soon as any are there (a short packet
/// ends the transfer, as on a real port). Bytes the host writes are echoed, handed to <see cref="FromHost"/> or, in
/// <see cref="SerialMode.Tcp"/> mode, to the TCP client of the gadget's bridge (<see cref="TcpEndpoint"/>).
/// Buffers are bounded both ways: in echo mode a bulk OUT URB waits (NAK) while <see cref="EchoBufferLimit"/> bytes
/// are waiting for the host, so a host that writes without reading is slowed, not buffered without end; in channel
/// and tcp mode it waits while <see cref="BufferLimit"/> bytes of <see cref="FromHost"/> are not read yet; and
/// <see cref="SendAsync"/> waits while <see cref="BufferLimit"/> bytes are waiting for the host (<see cref="Send"/>
/// does not wait: the application bounds what it gives). Notification URBs wait until <see cref="NotifySerialState"/>.
/// Disposing the gadget closes the bridge's listener and client.
/// </remarks>
public sealed class SerialGadget : GadgetBackend
{
    /// <summary>The notification (interrupt IN) endpoint.</summary>
    public const byte NotificationAddress = 0x82;

    /// <summary>The data bulk IN endpoint.</summary>
    public const byte BulkInAddress = 0x81;

    /// <summary>The data bulk OUT endpoint.</summary>
    public const byte BulkOutAddress = 0x01;

    /// <summary>The communication interface.</summary>
    public const byte CommunicationInterface = 0;

    /// <summary>The data interface.</summary>
    public const byte DataInterface = 1;

    /// <summary>Bytes buffered in one direction beyond which the writer waits (host writes, <see cref="SendAsync"/>).</summary>
    public const int BufferLimit = 64 * 1024;

    /// <summary>In echo mode, bytes waiting for the host beyond which host writes wait.</summary>
    public const int EchoBufferLimit = BufferLimit;

    private readonly SerialMode _mode;
    private readonly PendingUrbQueue _in;
    private readonly PendingUrbQueue _out;
    private readonly PendingUrbQueue _notify;
    private readonly Queue<byte[]> _notifications = new();
    private readonly Queue<byte[]> _toHost = new();
    private readonly Channel<byte[]> _fromHost = System.Threading.Channels.Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HostWrites _fromHostReader;
    private readonly SerialTcpBridge? _bridge;
    private int _toHostOffset;
    private int _toHostBytes;
    private int _fromHostBytes;
    private TaskCompletionSource? _roomToHost;
    private CdcAcmState _lineState = CdcAcmState.Initial;
    private CdcAcmState? _lineStateToRaise;

    /// <summary>Creates the serial port; in <see cref="SerialMode.Tcp"/> mode its listener starts now.</summary>
    /// <param name="mode">Echo, hand host data to <see cref="FromHost"/>, or bridge it to a TCP client.</param>
    /// <param name="identity">Ids and strings; <see cref="GadgetIdentity.Serial"/> when null.</param>
    /// <param name="tcpEndpoint">Where the tcp bridge listens (tcp mode only); <see cref="SerialSettings.DefaultTcpEndpoint"/> when null; port 0 picks a free port.</param>
    /// <param name="log">Receives the tcp bridge's lines (listening, client connected, refused, disconnected).</param>
    /// <exception cref="System.Net.Sockets.SocketException">Tcp mode, and the endpoint cannot be bound.</exception>
    public SerialGadget(SerialMode mode = SerialMode.Echo, GadgetIdentity? identity = null, IPEndPoint? tcpEndpoint = null, Action<string>? log = null)
        : base(BuildDevice(identity ?? GadgetIdentity.Serial), BuildConfiguration(), UsbSpeed.Full, (identity ?? GadgetIdentity.Serial).Strings)
    {
        _mode = mode;
        _in = new PendingUrbQueue(Gate);
        _out = new PendingUrbQueue(Gate);
        _notify = new PendingUrbQueue(Gate);
        _fromHostReader = new HostWrites(this, _fromHost.Reader);
        if (mode == SerialMode.Tcp)
        {
            _bridge = new SerialTcpBridge(this, tcpEndpoint ?? SerialSettings.DefaultTcpEndpoint, log);
        }
    }

    /// <summary>Raised (outside the gadget's lock) when the host changes line coding, control lines or break.</summary>
    public event EventHandler<CdcAcmState>? LineStateChanged;

    /// <summary>The mode.</summary>
    public SerialMode Mode => _mode;

    /// <summary>Line coding and control lines as the host set them.</summary>
    public CdcAcmState LineState
    {
        get
        {
            lock (Gate)
            {
                return _lineState;
            }
        }
    }

    /// <summary>
    /// Bytes the host wrote, one chunk per bulk OUT transfer (<see cref="SerialMode.Channel"/> mode; in
    /// <see cref="SerialMode.Tcp"/> mode the bridge reads it). Completes when the gadget is unplugged. While
    /// <see cref="BufferLimit"/> bytes are not read, the host's writes wait.
    /// </summary>
    public ChannelReader<byte[]> FromHost => _fromHostReader;

    /// <summary>Where the tcp bridge listens (the real port when 0 was asked for), or null outside tcp mode.</summary>
    public IPEndPoint? TcpEndpoint => _bridge?.LocalEndpoint;

    /// <summary>The tcp bridge's connected client, or null (none, or not tcp mode).</summary>
    public EndPoint? TcpClientEndpoint => _bridge?.ClientEndpoint;

    /// <summary>Tcp mode: bytes the host wrote that no client received (none was connected, or it broke away), lost as on a real port nobody listens to.</summary>
    public long DroppedHostBytes => _bridge?.DroppedBytes ?? 0;

    /// <summary>Bytes the host wrote that <see cref="FromHost"/> has not given out yet.</summary>
    public int PendingFromHost
    {
        get
        {
            lock (Gate)
            {
                return _fromHostBytes;
            }
        }
    }

    /// <summary>Bytes buffered for the host and not read yet.</summary>
    public int PendingToHost
    {
        get
        {
            lock (Gate)
            {
                return _toHostBytes;
            }
        }
    }

    /// <summary>Queues <paramref name="data"/> for the host (it reads them with bulk IN transfers).</summary>
    /// <param name="data">The bytes.</param>
    public void Send(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (Gate)
        {
            if (IsGone)
            {
                throw new ObjectDisposedException(nameof(SerialGadget));
            }

            _toHost.Enqueue(data.ToArray());
            _toHostBytes += data.Length;
            Pump();
        }
    }

    /// <summary>Queues <paramref name="data"/> for the host once fewer than <see cref="BufferLimit"/> bytes wait for it.</summary>
    /// <param name="data">The bytes (copied before the task completes).</param>
    /// <param name="cancellationToken">Stops waiting; nothing was queued then.</param>
    /// <exception cref="ObjectDisposedException">The gadget was unplugged.</exception>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.IsEmpty)
        {
            return;
        }

        while (true)
        {
            Task room;
            lock (Gate)
            {
                if (IsGone)
                {
                    throw new ObjectDisposedException(nameof(SerialGadget));
                }

                if (_toHostBytes < BufferLimit)
                {
                    _toHost.Enqueue(data.ToArray());
                    _toHostBytes += data.Length;
                    Pump();
                    return;
                }

                _roomToHost ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room = _roomToHost.Task;
            }

            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues a SERIAL_STATE notification (DCD, DSR, ring, errors) for the notification endpoint.</summary>
    /// <param name="state">The UART state bits.</param>
    public void NotifySerialState(CdcSerialState state)
    {
        var notification = new byte[CdcAcmRequests.SerialStateLength];
        CdcAcmRequests.WriteSerialState(notification, CommunicationInterface, state);
        lock (Gate)
        {
            _notifications.Enqueue(notification);
            Pump();
        }
    }

    /// <inheritdoc />
    protected override Task<UrbResult> SubmitTransferLocked(UrbRequest request, CancellationToken unlink)
    {
        var queue = request.EndpointAddress switch
        {
            BulkInAddress => _in,
            BulkOutAddress => _out,
            _ => _notify,
        };
        var task = queue.Add(request, unlink);
        Pump();
        return task;
    }

    /// <inheritdoc />
    protected override GadgetControlResponse HandleClassRequestLocked(SetupPacket request, ReadOnlySpan<byte> outData)
    {
        if ((byte)request.Index != CommunicationInterface)
        {
            return GadgetControlResponse.Stall;
        }

        var before = _lineState;
        (var response, _lineState) = CdcAcmRequests.Handle(_lineState, request, outData);
        if (!ReferenceEquals(before, _lineState))
        {
            _lineStateToRaise = _lineState;
        }

        return response;
    }

    /// <inheritdoc />
    protected override void FailPendingLocked(UrbStatus status)
    {
        _in.FailAll(status);
        _out.FailAll(status);
        _notify.FailAll(status);
        _fromHost.Writer.TryComplete();
        WakeSendersLocked();
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeCoreAsync()
    {
        if (_bridge is not null)
        {
            await _bridge.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override void RaiseEvents()
    {
        CdcAcmState? state;
        lock (Gate)
        {
            state = _lineStateToRaise;
            _lineStateToRaise = null;
        }

        if (state is not null)
        {
            LineStateChanged?.Invoke(this, state);
        }
    }

    private static DeviceDescriptor BuildDevice(GadgetIdentity identity) => new(
        0x0200, UsbClassCodes.Miscellaneous, 0x02, 0x01, 64, identity.VendorId, identity.ProductId, identity.DeviceVersion,
        GadgetStrings.ManufacturerIndex, GadgetStrings.ProductIndex, GadgetStrings.SerialNumberIndex, 1);

    private static ConfigurationDescriptor BuildConfiguration() => new ConfigurationBuilder()
        .MaxPowerMilliamps(100)
        // Interface association (USB IAD ECN): first interface 0, 2 interfaces, function class 2/2/1, no string.
        .ClassSpecific(new ClassSpecificDescriptor(
            DescriptorTypes.InterfaceAssociation,
            [CommunicationInterface, 2, UsbClassCodes.Communications, UsbClassCodes.CdcSubClassAcm, UsbClassCodes.CdcProtocolAtCommands, 0]))
        .Interface(CommunicationInterface, UsbClassCodes.Communications, UsbClassCodes.CdcSubClassAcm, UsbClassCodes.CdcProtocolAtCommands)
        .ClassSpecific(CdcFunctionalDescriptors.Header(0x0110))
        .ClassSpecific(CdcFunctionalDescriptors.CallManagement(0x00, DataInterface))
        .ClassSpecific(CdcFunctionalDescriptors.AbstractControlManagement())
        .ClassSpecific(CdcFunctionalDescriptors.Union(CommunicationInterface, DataInterface))
        .Endpoint(NotificationAddress & 0x0F, UsbDirection.In, TransferType.Interrupt, 16, interval: 32)
        .Interface(DataInterface, UsbClassCodes.CdcData)
        .Endpoint(BulkOutAddress & 0x0F, UsbDirection.Out, TransferType.Bulk, 64)
        .Endpoint(BulkInAddress & 0x0F, UsbDirection.In, TransferType.Bulk, 64)
        .Build();

    private void Pump()
    {
        bool progress;
        do
        {
            progress = false;
            while (_out.Head is { } output && (_mode == SerialMode.Echo ? _toHostBytes < EchoBufferLimit : _fromHostBytes < BufferLimit))
            {
                var data = output.OutData.ToArray();
                if (data.Length > 0)
                {
                    if (_mode == SerialMode.Echo)
                    {
                        _toHost.Enqueue(data);
                        _toHostBytes += data.Length;
                    }
                    else
                    {
                        _fromHostBytes += data.Length;
                        _fromHost.Writer.TryWrite(data);
                    }
                }

                _out.CompleteHead(UrbResult.Transferred(output, output.TransferLength));
                progress = true;
            }

            while (_in.Head is { } input && (_toHostBytes > 0 || input.TransferLength == 0))
            {
                var buffer = new byte[input.TransferLength];
                var filled = 0;
                while (filled < buffer.Length && _toHost.TryPeek(out var chunk))
                {
                    var count = Math.Min(chunk.Length - _toHostOffset, buffer.Length - filled);
                    chunk.AsSpan(_toHostOffset, count).CopyTo(buffer.AsSpan(filled));
                    filled += count;
                    _toHostOffset += count;
                    if (_toHostOffset == chunk.Length)
                    {
                        _toHost.Dequeue();
                        _toHostOffset = 0;
                    }
                }

                _toHostBytes -= filled;
                _in.CompleteHead(UrbResult.Transferred(input, filled, buffer.AsMemory(0, filled)));
                progress = true;
            }

            while (_notify.Head is { } notify && _notifications.TryDequeue(out var notification))
            {
                var length = Math.Min(notification.Length, notify.TransferLength);
                _notify.CompleteHead(UrbResult.Transferred(notify, length, notification.AsMemory(0, length)));
            }
        }
        while (progress);

        if (_toHostBytes < BufferLimit)
        {
            WakeSendersLocked();
        }
    }

    private void WakeSendersLocked()
    {
        _roomToHost?.TrySetResult();
        _roomToHost = null;
    }

    private void HostWriteTaken(int length)
    {
        lock (Gate)
        {
            _fromHostBytes -= length;
            Pump();
        }
    }

    /// <summary><see cref="FromHost"/>: the channel's reader, counting what is taken so host writes wait while too much is not.</summary>
    private sealed class HostWrites(SerialGadget owner, ChannelReader<byte[]> inner) : ChannelReader<byte[]>
    {
        public override Task Completion => inner.Completion;

        public override bool CanCount => inner.CanCount;

        public override int Count => inner.Count;

        public override bool TryRead([MaybeNullWhen(false)] out byte[] item)
        {
            if (!inner.TryRead(out item))
            {
                return false;
            }

            owner.HostWriteTaken(item.Length);
            return true;
        }

        public override bool TryPeek([MaybeNullWhen(false)] out byte[] item) => inner.TryPeek(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            inner.WaitToReadAsync(cancellationToken);
    }
}
