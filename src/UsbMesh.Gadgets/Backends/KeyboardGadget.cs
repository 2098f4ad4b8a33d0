using UsbMesh.Gadgets.Hid;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Backends;

/// <summary>
/// An emulated full-speed HID boot keyboard: one interface (class 3, boot subclass 1, keyboard protocol 1) with a
/// HID descriptor, the HID 1.11 boot report descriptor (GET_DESCRIPTOR 0x22 to the interface) and interrupt IN
/// endpoint 0x81 (8 bytes, bInterval 10 ms).
/// </summary>
/// <remarks>
/// <see cref="Type"/> queues the press/release reports of a text (<see cref="KeyboardTyper"/>). Interrupt IN URBs
/// wait, as a real keyboard NAKs its IN tokens, until a report is queued; reports complete them one each, in order.
/// HID class requests (GET/SET_REPORT, GET/SET_IDLE, GET/SET_PROTOCOL) go to <see cref="HidKeyboardRequests"/>;
/// SET_REPORT(Output) sets <see cref="Leds"/> and raises <see cref="LedsChanged"/>. The idle rate is kept and
/// reported but not acted on: the keyboard reports only changes (Linux sets idle 0 for keyboards anyway).
/// </remarks>
public sealed class KeyboardGadget : GadgetBackend
{
    /// <summary>The interrupt IN endpoint.</summary>
    public const byte InterruptInAddress = 0x81;

    /// <summary>The interface number.</summary>
    public const byte InterfaceNumber = 0;

    /// <summary>bInterval of the interrupt endpoint, in milliseconds (full speed).</summary>
    public const byte PollIntervalMs = 10;

    private readonly PendingUrbQueue _in;
    private readonly Queue<BootKeyboardReport> _reports = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _typing = [];
    private HidKeyboardState _state = HidKeyboardState.Initial;
    private long _queued;
    private long _delivered;
    private KeyboardLedState? _ledsToRaise;

    /// <summary>Creates the keyboard.</summary>
    /// <param name="identity">Ids and strings; <see cref="GadgetIdentity.Keyboard"/> when null.</param>
    public KeyboardGadget(GadgetIdentity? identity = null)
        : base(BuildDevice(identity ?? GadgetIdentity.Keyboard), BuildConfiguration(), UsbSpeed.Full, (identity ?? GadgetIdentity.Keyboard).Strings)
    {
        _in = new PendingUrbQueue(Gate);
    }

    /// <summary>Raised (outside the gadget's lock) when the host sets the LEDs with SET_REPORT.</summary>
    public event EventHandler<KeyboardLedState>? LedsChanged;

    /// <summary>The LED state the host last set.</summary>
    public KeyboardLedState Leds
    {
        get
        {
            lock (Gate)
            {
                return _state.Leds;
            }
        }
    }

    /// <summary>The HID state (protocol, idle rate, LEDs, last input report).</summary>
    public HidKeyboardState State
    {
        get
        {
            lock (Gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Reports queued and not yet taken by the host.</summary>
    public int QueuedReports
    {
        get
        {
            lock (Gate)
            {
                return _reports.Count;
            }
        }
    }

    /// <summary>Queues the reports that type <paramref name="text"/> (US layout).</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="ArgumentException">A character has no key on the US layout (nothing is queued).</exception>
    public void Type(string text) => Enqueue(KeyboardTyper.Type(text));

    /// <summary>Queues the reports that type <paramref name="text"/>; completes when the host has read the last of them.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Stops waiting (the reports stay queued).</param>
    public Task TypeAsync(string text, CancellationToken cancellationToken = default)
    {
        var done = Enqueue(KeyboardTyper.Type(text));
        return done.WaitAsync(cancellationToken);
    }

    /// <summary>Queues raw reports (for key combinations the typer does not produce); completes when the host has read them.</summary>
    /// <param name="reports">The reports, in order.</param>
    public Task Enqueue(IEnumerable<BootKeyboardReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var list = reports.ToList();
        Task done;
        lock (Gate)
        {
            if (IsGone)
            {
                throw new ObjectDisposedException(nameof(KeyboardGadget));
            }

            foreach (var report in list)
            {
                _reports.Enqueue(report);
            }

            _queued += list.Count;
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _typing.Add((_queued, tcs));
            done = tcs.Task;
            Pump();
        }

        return done;
    }

    /// <inheritdoc />
    protected override Task<UrbResult> SubmitTransferLocked(UrbRequest request, CancellationToken unlink)
    {
        var task = _in.Add(request, unlink);
        Pump();
        return task;
    }

    /// <inheritdoc />
    protected override GadgetControlResponse HandleClassRequestLocked(SetupPacket request, ReadOnlySpan<byte> outData)
    {
        if ((byte)request.Index != InterfaceNumber)
        {
            return GadgetControlResponse.Stall;
        }

        (var response, _state) = HidKeyboardRequests.Handle(_state, request, outData);
        if (response.Outcome == GadgetControlOutcome.Ack && request.Request == HidKeyboardRequests.SetReport && request.Direction != UsbDirection.In)
        {
            _ledsToRaise = _state.Leds;
        }

        return response;
    }

    /// <inheritdoc />
    protected override byte[]? GetInterfaceDescriptorLocked(SetupPacket setup, byte descriptorType, byte descriptorIndex)
    {
        if ((byte)setup.Index != InterfaceNumber || descriptorIndex != 0)
        {
            return null;
        }

        return descriptorType switch
        {
            DescriptorTypes.HidReport => BootKeyboardDescriptors.ReportDescriptor.ToArray(),
            DescriptorTypes.Hid => Configuration.FindInterface(InterfaceNumber)?.Hid?.ToBytes(),
            _ => null,
        };
    }

    /// <inheritdoc />
    protected override void OnConfigurationSetLocked(byte value) => _state = _state with { Protocol = HidProtocol.Report, IdleRate = HidKeyboardState.Initial.IdleRate };

    /// <inheritdoc />
    protected override void FailPendingLocked(UrbStatus status)
    {
        _in.FailAll(status);
        foreach (var (_, done) in _typing)
        {
            done.TrySetException(new ObjectDisposedException(nameof(KeyboardGadget), "The keyboard was unplugged before the host read the reports."));
        }

        _typing.Clear();
    }

    /// <inheritdoc />
    protected override void RaiseEvents()
    {
        KeyboardLedState? leds;
        lock (Gate)
        {
            leds = _ledsToRaise;
            _ledsToRaise = null;
        }

        if (leds is { } state)
        {
            LedsChanged?.Invoke(this, state);
        }
    }

    private static DeviceDescriptor BuildDevice(GadgetIdentity identity) => new(
        0x0200, UsbClassCodes.PerInterface, 0, 0, 64, identity.VendorId, identity.ProductId, identity.DeviceVersion,
        GadgetStrings.ManufacturerIndex, GadgetStrings.ProductIndex, GadgetStrings.SerialNumberIndex, 1);

    private static ConfigurationDescriptor BuildConfiguration() => new ConfigurationBuilder()
        .Power(selfPowered: false, remoteWakeup: false)
        .MaxPowerMilliamps(100)
        .Interface(InterfaceNumber, UsbClassCodes.Hid, UsbClassCodes.HidSubClassBoot, UsbClassCodes.HidProtocolKeyboard)
        .Hid(HidDescriptor.ForReport(BootKeyboardDescriptors.ReportDescriptor.Length))
        .Endpoint(InterruptInAddress & 0x0F, UsbDirection.In, TransferType.Interrupt, BootKeyboardReport.Length, interval: PollIntervalMs)
        .Build();

    private void Pump()
    {
        while (_in.Head is { } request && _reports.TryDequeue(out var report))
        {
            var bytes = report.ToArray();
            var length = Math.Min(bytes.Length, request.TransferLength);
            _in.CompleteHead(UrbResult.Transferred(request, length, bytes.AsMemory(0, length)));
            _state = _state with { Input = report };
            _delivered++;
        }

        for (var i = _typing.Count - 1; i >= 0; i--)
        {
            if (_typing[i].Target <= _delivered)
            {
                _typing[i].Done.TrySetResult();
                _typing.RemoveAt(i);
            }
        }
    }
}
