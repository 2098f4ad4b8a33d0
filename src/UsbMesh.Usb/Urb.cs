namespace UsbMesh.Usb;

/// <summary>One isochronous packet of a request: where it sits in the transfer buffer and how long it is.</summary>
/// <param name="Offset">Offset in the transfer buffer.</param>
/// <param name="Length">Expected length.</param>
public readonly record struct IsoPacket(int Offset, int Length);

/// <summary>The outcome of one isochronous packet.</summary>
/// <param name="Offset">Offset in the transfer buffer (as requested).</param>
/// <param name="Length">Expected length (as requested).</param>
/// <param name="ActualLength">Bytes transferred.</param>
/// <param name="Status">Packet status.</param>
public readonly record struct IsoPacketResult(int Offset, int Length, int ActualLength, UrbStatus Status);

/// <summary>
/// A USB request block as the exporter sees it: the target endpoint and transfer type, the SETUP packet for control
/// transfers, the length to transfer (and the data for OUT), the Linux transfer flags, the interval for periodic
/// endpoints and the isochronous packet layout. Construct through the named factories, which validate.
/// </summary>
public sealed record UrbRequest
{
    private UrbRequest(byte endpointAddress, TransferType type, int transferLength)
    {
        EndpointAddress = endpointAddress;
        TransferType = type;
        TransferLength = transferLength;
    }

    /// <summary>Endpoint address: number in bits 3..0, direction in bit 7 (for control, the data stage direction).</summary>
    public byte EndpointAddress { get; }

    /// <summary>Endpoint number 0..15.</summary>
    public int EndpointNumber => EndpointAddress & 0x0F;

    /// <summary>Direction of the data.</summary>
    public UsbDirection Direction => (UsbDirection)(EndpointAddress & 0x80);

    /// <summary>Transfer type.</summary>
    public TransferType TransferType { get; }

    /// <summary>The SETUP packet (control transfers only).</summary>
    public SetupPacket? Setup { get; private init; }

    /// <summary>Bytes to transfer (transfer_buffer_length).</summary>
    public int TransferLength { get; }

    /// <summary>Data for OUT transfers (exactly <see cref="TransferLength"/> bytes); empty for IN.</summary>
    public ReadOnlyMemory<byte> OutData { get; private init; }

    /// <summary>Transfer flags.</summary>
    public UrbTransferFlags Flags { get; init; }

    /// <summary>Polling interval for interrupt and isochronous transfers (in (micro)frames, as USB/IP carries it).</summary>
    public int Interval { get; private init; }

    /// <summary>Start frame for isochronous transfers without <see cref="UrbTransferFlags.IsoAsap"/>.</summary>
    public int StartFrame { get; private init; }

    /// <summary>Isochronous packet layout (empty for other types).</summary>
    public IReadOnlyList<IsoPacket> IsoPackets { get; private init; } = [];

    /// <summary>A control transfer on endpoint 0 (or another control endpoint); direction comes from the SETUP packet.</summary>
    /// <param name="setup">The SETUP packet; its wLength is the transfer length.</param>
    /// <param name="outData">Data stage for host-to-device requests (wLength bytes).</param>
    /// <param name="endpointNumber">Control endpoint number, normally 0.</param>
    public static UrbRequest Control(SetupPacket setup, ReadOnlyMemory<byte> outData = default, int endpointNumber = 0)
    {
        RequireEndpointNumber(endpointNumber, allowZero: true);
        var address = (byte)(endpointNumber | (byte)setup.Direction);
        if (setup.Direction == UsbDirection.Out && outData.Length != setup.Length)
        {
            throw new ArgumentException($"A host-to-device control request carries wLength ({setup.Length}) bytes, got {outData.Length}.", nameof(outData));
        }

        if (setup.Direction == UsbDirection.In && !outData.IsEmpty)
        {
            throw new ArgumentException("A device-to-host control request carries no OUT data.", nameof(outData));
        }

        return new UrbRequest(address, TransferType.Control, setup.Length) { Setup = setup, OutData = outData };
    }

    /// <summary>A bulk IN transfer of up to <paramref name="length"/> bytes.</summary>
    /// <param name="endpointNumber">1..15.</param>
    /// <param name="length">Buffer length.</param>
    public static UrbRequest BulkIn(int endpointNumber, int length) => Read(TransferType.Bulk, endpointNumber, length, 0);

    /// <summary>A bulk OUT transfer of <paramref name="data"/>.</summary>
    /// <param name="endpointNumber">1..15.</param>
    /// <param name="data">The bytes to send.</param>
    public static UrbRequest BulkOut(int endpointNumber, ReadOnlyMemory<byte> data) => Write(TransferType.Bulk, endpointNumber, data, 0);

    /// <summary>An interrupt IN transfer.</summary>
    /// <param name="endpointNumber">1..15.</param>
    /// <param name="length">Buffer length.</param>
    /// <param name="interval">Polling interval.</param>
    public static UrbRequest InterruptIn(int endpointNumber, int length, int interval) => Read(TransferType.Interrupt, endpointNumber, length, interval);

    /// <summary>An interrupt OUT transfer.</summary>
    /// <param name="endpointNumber">1..15.</param>
    /// <param name="data">The bytes to send.</param>
    /// <param name="interval">Polling interval.</param>
    public static UrbRequest InterruptOut(int endpointNumber, ReadOnlyMemory<byte> data, int interval) => Write(TransferType.Interrupt, endpointNumber, data, interval);

    /// <summary>
    /// An isochronous transfer. Packets must lie within the buffer; for OUT, <paramref name="outData"/> is the whole
    /// buffer (<paramref name="transferLength"/> bytes).
    /// </summary>
    /// <param name="endpointNumber">1..15.</param>
    /// <param name="direction">Direction.</param>
    /// <param name="transferLength">Buffer length.</param>
    /// <param name="packets">At least one packet.</param>
    /// <param name="interval">Interval.</param>
    /// <param name="startFrame">Start frame (ignored with <see cref="UrbTransferFlags.IsoAsap"/>).</param>
    /// <param name="outData">Buffer contents for OUT.</param>
    public static UrbRequest Isochronous(int endpointNumber, UsbDirection direction, int transferLength, IReadOnlyList<IsoPacket> packets, int interval, int startFrame = 0, ReadOnlyMemory<byte> outData = default)
    {
        RequireEndpointNumber(endpointNumber, allowZero: false);
        ArgumentOutOfRangeException.ThrowIfNegative(transferLength);
        ArgumentNullException.ThrowIfNull(packets);
        if (packets.Count == 0)
        {
            throw new ArgumentException("An isochronous URB has at least one packet.", nameof(packets));
        }

        foreach (var packet in packets)
        {
            if (packet.Offset < 0 || packet.Length < 0 || packet.Offset > transferLength - packet.Length)
            {
                throw new ArgumentException($"Packet {packet} lies outside the {transferLength}-byte buffer.", nameof(packets));
            }
        }

        if (direction == UsbDirection.Out ? outData.Length != transferLength : !outData.IsEmpty)
        {
            throw new ArgumentException("OUT data must fill the buffer exactly; IN requests carry none.", nameof(outData));
        }

        return new UrbRequest((byte)(endpointNumber | (byte)direction), TransferType.Isochronous, transferLength)
        {
            IsoPackets = packets.ToArray(),
            Interval = interval,
            StartFrame = startFrame,
            OutData = outData,
        };
    }

    private static UrbRequest Read(TransferType type, int endpointNumber, int length, int interval)
    {
        RequireEndpointNumber(endpointNumber, allowZero: false);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new UrbRequest((byte)(endpointNumber | 0x80), type, length) { Interval = interval };
    }

    private static UrbRequest Write(TransferType type, int endpointNumber, ReadOnlyMemory<byte> data, int interval)
    {
        RequireEndpointNumber(endpointNumber, allowZero: false);
        return new UrbRequest((byte)endpointNumber, type, data.Length) { OutData = data, Interval = interval };
    }

    private static void RequireEndpointNumber(int endpointNumber, bool allowZero)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(endpointNumber, allowZero ? 0 : 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(endpointNumber, 15);
    }
}

/// <summary>
/// The completion of a <see cref="UrbRequest"/>: status, bytes transferred (and the IN data), per-packet results and
/// error count for isochronous transfers, and the start frame actually used.
/// </summary>
/// <param name="Status">Overall status.</param>
/// <param name="ActualLength">Bytes transferred (for isochronous IN, the sum of packet actual lengths).</param>
public sealed record UrbResult(UrbStatus Status, int ActualLength)
{
    /// <summary>Data read by an IN transfer (<see cref="ActualLength"/> bytes; for isochronous, the packed packets).</summary>
    public ReadOnlyMemory<byte> InData { get; init; }

    /// <summary>
    /// Gives <see cref="InData"/>'s buffer back to the pool it was taken from; whoever sends the data on disposes it
    /// once the bytes are out. Optional: a result dropped without it leaves the buffer to the garbage collector.
    /// </summary>
    public IDisposable? InDataRelease { get; init; }

    /// <summary>Isochronous per-packet results, in request order.</summary>
    public IReadOnlyList<IsoPacketResult> IsoPacketResults { get; init; } = [];

    /// <summary>Number of isochronous packets that failed.</summary>
    public int ErrorCount { get; init; }

    /// <summary>Start frame the isochronous transfer ran at.</summary>
    public int StartFrame { get; init; }

    /// <summary>The status as USB/IP RET_SUBMIT carries it.</summary>
    public int LinuxStatus => Status.ToLinuxErrno();

    /// <summary>A failed transfer with nothing transferred.</summary>
    /// <param name="status">The failure.</param>
    public static UrbResult Failed(UrbStatus status) => new(status, 0);

    /// <summary>
    /// A transfer that ran without a bus error, its status decided by the short-packet rule
    /// (<see cref="UrbStatuses.ForSuccessfulTransfer"/>).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="actualLength">Bytes transferred.</param>
    /// <param name="inData">Data read, for IN.</param>
    public static UrbResult Transferred(UrbRequest request, int actualLength, ReadOnlyMemory<byte> inData = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(actualLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(actualLength, request.TransferLength);
        var status = UrbStatuses.ForSuccessfulTransfer(request.Direction, request.Flags, request.TransferLength, actualLength);
        return new UrbResult(status, actualLength) { InData = inData };
    }
}
