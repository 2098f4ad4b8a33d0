using UsbMesh.Usb;

namespace UsbMesh.Gadgets.MassStorage;

/// <summary>How a bulk transfer handed to <see cref="BulkOnlyTransport"/> ends.</summary>
public enum BulkTransferOutcome
{
    /// <summary>Completed with <see cref="BulkTransferResult.Length"/> bytes (an IN transfer may be short).</summary>
    Completed,

    /// <summary>
    /// The endpoint is (or became) halted: complete the URB with EPIPE after <see cref="BulkTransferResult.Length"/>
    /// bytes. It stays halted until the host clears the halt (<see cref="BulkOnlyTransport.ClearHalt"/>).
    /// </summary>
    Stalled,

    /// <summary>The device has nothing for this transfer yet (a NAK): keep the URB queued and offer it again later.</summary>
    Pending,
}

/// <summary>The result of one bulk transfer.</summary>
/// <param name="Outcome">Completed, Stalled or Pending.</param>
/// <param name="Length">Bytes moved (IN: written into the buffer; OUT: consumed from the transfer).</param>
public readonly record struct BulkTransferResult(BulkTransferOutcome Outcome, int Length)
{
    /// <summary>Nothing to move yet.</summary>
    public static BulkTransferResult Pending { get; } = new(BulkTransferOutcome.Pending, 0);

    /// <summary>A stall without data.</summary>
    public static BulkTransferResult Stall { get; } = new(BulkTransferOutcome.Stalled, 0);
}

/// <summary>
/// The device side of the USB Mass Storage Class Bulk-Only Transport 1.0 for one LUN, as a state machine fed with
/// the bulk transfers the host submits: OUT transfers through <see cref="HandleOut"/> (CBWs and data-out), IN
/// transfers through <see cref="ProduceIn"/> (data-in and CSWs). A data phase may span any number of transfers of
/// any size. The thirteen host/device expectation cases of BOT 6.7 are handled as the specification prescribes:
/// <list type="bullet">
/// <item>1 Hn=Dn: CSW with the command's status, residue 0. 2 Hn&lt;Di, 3 Hn&lt;Do: CSW phase error.</item>
/// <item>4 Hi&gt;Dn: stall bulk-in, CSW residue Hi. 5 Hi&gt;Di: send Di bytes, stall bulk-in, residue Hi−Di.
/// 6 Hi=Di: residue 0. 7 Hi&lt;Di: send Hi bytes, CSW phase error. 8 Hi&lt;&gt;Do: stall bulk-in, phase error.</item>
/// <item>9 Ho&gt;Dn: stall bulk-out, residue Ho. 10 Ho&lt;&gt;Di: stall bulk-out, phase error. 11 Ho&gt;Do: take Do
/// bytes, stall bulk-out, residue Ho−Do. 12 Ho=Do: residue 0. 13 Ho&lt;Do: take Ho bytes, phase error.</item>
/// </list>
/// A CBW that is not valid (not exactly 31 bytes, wrong signature) or not meaningful (reserved flag bits, LUN above
/// Max LUN, command length outside 1..16) stalls both bulk endpoints until reset recovery (BOT 6.6.1): clearing a
/// halt does not unstall them until the Bulk-Only Mass Storage Reset has been received. Commands run in phase-error
/// cases are dropped, not executed. Not thread-safe: one pipe owner drives it.
/// </summary>
public sealed class BulkOnlyTransport
{
    /// <summary>bRequest of the Bulk-Only Mass Storage Reset class request (bmRequestType 0x21).</summary>
    public const byte ResetRequest = 0xFF;

    /// <summary>bRequest of the Get Max LUN class request (bmRequestType 0xA1).</summary>
    public const byte GetMaxLunRequest = 0xFE;

    private readonly ScsiBlockDevice _device;
    private readonly byte[] _csw = new byte[CommandStatusWrapper.Length];

    private State _state = State.ExpectCommand;
    private uint _tag;
    private long _hostRemaining;     // bytes of dCBWDataTransferLength not yet moved
    private long _deviceRemaining;   // bytes still to move in this data phase
    private bool _phaseError;        // the data phase only drains; the CSW will report a phase error
    private int _cswOffset;

    /// <summary>Creates the transport in front of <paramref name="device"/> (LUN 0, the only one).</summary>
    /// <param name="device">The SCSI target.</param>
    public BulkOnlyTransport(ScsiBlockDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
    }

    private enum State
    {
        ExpectCommand,
        DataOut,
        DataIn,
        Status,
    }

    /// <summary>The highest LUN (Get Max LUN answer). One LUN: 0.</summary>
    public byte MaxLun => 0;

    /// <summary>True while the bulk-in endpoint is halted.</summary>
    public bool IsBulkInHalted { get; private set; }

    /// <summary>True while the bulk-out endpoint is halted.</summary>
    public bool IsBulkOutHalted { get; private set; }

    /// <summary>True after an invalid CBW until the Bulk-Only Mass Storage Reset.</summary>
    public bool IsAwaitingResetRecovery { get; private set; }

    /// <summary>Handles one bulk-out transfer: a CBW when a command is expected, otherwise data-out.</summary>
    /// <param name="transfer">The transfer's bytes.</param>
    public BulkTransferResult HandleOut(ReadOnlySpan<byte> transfer)
    {
        if (IsBulkOutHalted)
        {
            return BulkTransferResult.Stall;
        }

        switch (_state)
        {
            case State.ExpectCommand:
                return HandleCommand(transfer);
            case State.DataOut:
                var count = (int)Math.Min(transfer.Length, _deviceRemaining);
                if (!_phaseError)
                {
                    _device.WriteOut(transfer[..count]);
                }

                _deviceRemaining -= count;
                _hostRemaining -= count;
                if (_deviceRemaining == 0)
                {
                    FinishDataPhase(haltBulkIn: false);
                }

                if (count < transfer.Length)
                {
                    IsBulkOutHalted = true;      // the host sends more than the device takes: stall the rest
                    return new BulkTransferResult(BulkTransferOutcome.Stalled, count);
                }

                return new BulkTransferResult(BulkTransferOutcome.Completed, count);
            default:
                return BulkTransferResult.Pending;   // data-in or status pending: the device NAKs bulk-out
        }
    }

    /// <summary>Fills <paramref name="buffer"/> for one bulk-in transfer: data-in or the CSW.</summary>
    /// <param name="buffer">The transfer's buffer; its length is what the host asked for.</param>
    public BulkTransferResult ProduceIn(Span<byte> buffer)
    {
        if (IsBulkInHalted)
        {
            return BulkTransferResult.Stall;
        }

        switch (_state)
        {
            case State.DataIn:
            {
                var wanted = (int)Math.Min(buffer.Length, _deviceRemaining);
                var count = _device.ReadIn(buffer[..wanted]);
                _deviceRemaining -= count;
                _hostRemaining -= count;
                if (_deviceRemaining == 0 || count < wanted)
                {
                    FinishDataPhase(haltBulkIn: true);
                }

                return new BulkTransferResult(BulkTransferOutcome.Completed, count);
            }

            case State.Status:
            {
                var count = Math.Min(buffer.Length, CommandStatusWrapper.Length - _cswOffset);
                _csw.AsSpan(_cswOffset, count).CopyTo(buffer);
                _cswOffset += count;
                if (_cswOffset == CommandStatusWrapper.Length)
                {
                    _state = State.ExpectCommand;
                }

                return new BulkTransferResult(BulkTransferOutcome.Completed, count);
            }

            default:
                return BulkTransferResult.Pending;
        }
    }

    /// <summary>
    /// CLEAR_FEATURE(ENDPOINT_HALT) on a bulk endpoint. Returns whether the endpoint is no longer halted: while reset
    /// recovery is pending the halt persists (BOT 6.6.1).
    /// </summary>
    /// <param name="bulkIn">True for the bulk-in endpoint, false for bulk-out.</param>
    public bool ClearHalt(bool bulkIn)
    {
        if (IsAwaitingResetRecovery)
        {
            return false;
        }

        if (bulkIn)
        {
            IsBulkInHalted = false;
        }
        else
        {
            IsBulkOutHalted = false;
        }

        return true;
    }

    /// <summary>
    /// Bulk-Only Mass Storage Reset: drops the running command and readies the device for the next CBW. Halts are
    /// preserved (BOT 3.1); the host clears them next, which now succeeds.
    /// </summary>
    public void Reset()
    {
        _device.Abort();
        _state = State.ExpectCommand;
        _hostRemaining = 0;
        _deviceRemaining = 0;
        _phaseError = false;
        _cswOffset = 0;
        IsAwaitingResetRecovery = false;
    }

    /// <summary>Answers the class requests of the interface: Bulk-Only Mass Storage Reset and Get Max LUN; anything else stalls.</summary>
    /// <param name="request">The setup packet.</param>
    public GadgetControlResponse HandleClassRequest(SetupPacket request)
    {
        if (request.Type != RequestType.Class || request.Recipient != RequestRecipient.Interface)
        {
            return GadgetControlResponse.Stall;
        }

        if (request.Request == ResetRequest && request.Direction != UsbDirection.In && request.Value == 0 && request.Length == 0)
        {
            Reset();
            return GadgetControlResponse.Ack;
        }

        if (request.Request == GetMaxLunRequest && request.Direction == UsbDirection.In && request.Value == 0 && request.Length >= 1)
        {
            return GadgetControlResponse.In([MaxLun], request.Length);
        }

        return GadgetControlResponse.Stall;
    }

    private BulkTransferResult HandleCommand(ReadOnlySpan<byte> transfer)
    {
        if (!CommandBlockWrapper.TryParse(transfer, out var cbw) || !cbw.IsMeaningful(MaxLun))
        {
            IsBulkInHalted = true;
            IsBulkOutHalted = true;
            IsAwaitingResetRecovery = true;
            return BulkTransferResult.Stall;
        }

        _tag = cbw.Tag;
        _hostRemaining = cbw.DataTransferLength;
        _phaseError = false;
        var phase = _device.Begin(cbw.CommandBlock(transfer));
        var host = cbw.DataTransferLength;

        if (host == 0)
        {
            if (phase.Direction == ScsiDataDirection.None)
            {
                PrepareStatus(ToCommandStatus(_device.Complete()), 0);               // case 1
            }
            else
            {
                _device.Abort();
                PrepareStatus(CommandStatus.PhaseError, 0);                          // cases 2, 3
            }
        }
        else if (cbw.IsDataIn)
        {
            switch (phase.Direction)
            {
                case ScsiDataDirection.None:                                         // case 4
                    PrepareStatus(ToCommandStatus(_device.Complete()), host);
                    IsBulkInHalted = true;
                    break;
                case ScsiDataDirection.In:                                           // cases 5, 6, 7
                    _state = State.DataIn;
                    _deviceRemaining = Math.Min(host, phase.Length);
                    _phaseError = phase.Length > host;
                    break;
                default:                                                             // case 8
                    _device.Abort();
                    PrepareStatus(CommandStatus.PhaseError, host);
                    IsBulkInHalted = true;
                    break;
            }
        }
        else
        {
            switch (phase.Direction)
            {
                case ScsiDataDirection.None:                                         // case 9
                    PrepareStatus(ToCommandStatus(_device.Complete()), host);
                    IsBulkOutHalted = true;
                    break;
                case ScsiDataDirection.In:                                           // case 10
                    _device.Abort();
                    PrepareStatus(CommandStatus.PhaseError, host);
                    IsBulkOutHalted = true;
                    break;
                default:                                                             // cases 11, 12, 13
                    _state = State.DataOut;
                    _phaseError = phase.Length > host;
                    _deviceRemaining = Math.Min(host, phase.Length);
                    if (_phaseError)
                    {
                        _device.Abort();                                             // drain the host's bytes only
                    }

                    break;
            }
        }

        return new BulkTransferResult(BulkTransferOutcome.Completed, transfer.Length);
    }

    private void FinishDataPhase(bool haltBulkIn)
    {
        if (_phaseError)
        {
            _device.Abort();
            PrepareStatus(CommandStatus.PhaseError, (uint)_hostRemaining);
            return;
        }

        PrepareStatus(ToCommandStatus(_device.Complete()), (uint)_hostRemaining);
        if (_hostRemaining > 0)
        {
            // The device moved less than the host expected (cases 5, 11): stall the data endpoint so the host ends
            // its data phase; it clears the halt and reads the CSW.
            if (haltBulkIn)
            {
                IsBulkInHalted = true;
            }
            else
            {
                IsBulkOutHalted = true;
            }
        }
    }

    private void PrepareStatus(CommandStatus status, uint residue)
    {
        new CommandStatusWrapper(_tag, residue, status).WriteTo(_csw);
        _cswOffset = 0;
        _deviceRemaining = 0;
        _state = State.Status;
    }

    private static CommandStatus ToCommandStatus(ScsiStatus status) =>
        status == ScsiStatus.Good ? CommandStatus.Passed : CommandStatus.Failed;
}
