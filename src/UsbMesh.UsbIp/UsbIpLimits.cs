namespace UsbMesh.UsbIp;

/// <summary>
/// Caps the parsers check every length field against before anything is allocated or awaited. A value past a cap
/// is a protocol error (<see cref="UsbIpErrorReason.LimitExceeded"/>) the moment its header is readable, so a
/// hostile peer can neither make the parser allocate nor make it wait for bytes it will never accept.
/// </summary>
public sealed record UsbIpLimits
{
    private readonly int _maxTransferBufferLength = 16 * 1024 * 1024;
    private readonly int _maxIsoPackets = UsbIpConstants.KernelMaxIsoPackets;
    private readonly int _maxDevices = 256;
    private readonly int _maxInterfaces = 32;

    /// <summary>The defaults: 16 MiB per transfer buffer, 1024 ISO packets, 256 devices, 32 interfaces.</summary>
    public static UsbIpLimits Default { get; } = new();

    /// <summary>Largest transfer_buffer_length (CMD_SUBMIT) or actual_length (RET_SUBMIT) accepted.</summary>
    public int MaxTransferBufferLength
    {
        get => _maxTransferBufferLength;
        init => _maxTransferBufferLength = Positive(value, nameof(MaxTransferBufferLength));
    }

    /// <summary>Largest number_of_packets accepted for an isochronous URB.</summary>
    public int MaxIsoPackets
    {
        get => _maxIsoPackets;
        init => _maxIsoPackets = Positive(value, nameof(MaxIsoPackets));
    }

    /// <summary>Largest device count accepted in an OP_REP_DEVLIST.</summary>
    public int MaxDevices
    {
        get => _maxDevices;
        init => _maxDevices = Positive(value, nameof(MaxDevices));
    }

    /// <summary>Largest bNumInterfaces accepted per device in an OP_REP_DEVLIST.</summary>
    public int MaxInterfaces
    {
        get => _maxInterfaces;
        init => _maxInterfaces = Positive(value, nameof(MaxInterfaces));
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "must be positive");
}
