using System.Buffers;

namespace UsbMesh.UsbIp;

/// <summary>The phase of a USB/IP connection.</summary>
public enum UsbIpConnectionPhase
{
    /// <summary>Before import: OP_ messages only.</summary>
    Operation,

    /// <summary>After a successful OP_REP_IMPORT: URB messages only, for the rest of the connection.</summary>
    Urb,

    /// <summary>A protocol error occurred; every further call reports it again. Close the connection.</summary>
    Faulted,
}

/// <summary>
/// The two phases of one server connection in one place: OP_REQ_* until the owner has written a successful
/// OP_REP_IMPORT and calls <see cref="EnterUrbPhase"/>, then CMD_SUBMIT/CMD_UNLINK. A URB command in the OP phase
/// fails as an unsupported OP version (its first two bytes are 0x0000); after any error the parser stays
/// <see cref="UsbIpConnectionPhase.Faulted"/>.
/// </summary>
public sealed class UsbIpServerConnectionParser
{
    private readonly UsbIpOpParser _op;
    private readonly UsbIpUrbParser _urb;
    private UsbIpProtocolException? _fault;

    public UsbIpServerConnectionParser(UsbIpIsochronousLookup isIsochronous, UsbIpLimits? limits = null)
    {
        _op = new UsbIpOpParser(UsbIpRole.Server, limits);
        _urb = UsbIpUrbParser.ForServer(isIsochronous, limits);
    }

    /// <summary>The current phase.</summary>
    public UsbIpConnectionPhase Phase { get; private set; } = UsbIpConnectionPhase.Operation;

    /// <summary>Switches to the URB phase; call after writing an OP_REP_IMPORT with status 0.</summary>
    public void EnterUrbPhase()
    {
        if (Phase != UsbIpConnectionPhase.Operation)
        {
            throw new InvalidOperationException($"cannot enter the URB phase from {Phase}");
        }

        Phase = UsbIpConnectionPhase.Urb;
    }

    /// <summary>Tries to parse one message of the current phase.</summary>
    /// <param name="buffer">Received bytes; advanced past the message when one is parsed.</param>
    /// <param name="message">The message, when <see cref="UsbIpParseResult.Parsed"/>.</param>
    /// <param name="error">The reason, when <see cref="UsbIpParseResult.Error"/>.</param>
    public UsbIpParseResult TryParse(ref ReadOnlySequence<byte> buffer, out UsbIpMessage? message, out UsbIpProtocolException? error)
    {
        message = null;
        if (_fault is not null)
        {
            error = new UsbIpProtocolException(UsbIpErrorReason.Faulted, $"the connection already failed: {_fault.Message}");
            return UsbIpParseResult.Error;
        }

        UsbIpParseResult result;
        if (Phase == UsbIpConnectionPhase.Operation)
        {
            result = _op.TryParse(ref buffer, out var op, out error);
            message = op;
        }
        else
        {
            result = _urb.TryParse(ref buffer, out var urb, out error);
            message = urb;
        }

        if (result == UsbIpParseResult.Error)
        {
            _fault = error;
            Phase = UsbIpConnectionPhase.Faulted;
        }

        return result;
    }
}
