namespace UsbMesh.UsbIp;

/// <summary>Why a byte stream is not valid USB/IP.</summary>
public enum UsbIpErrorReason
{
    /// <summary>The version field of an OP_ header is not 0x0111.</summary>
    UnsupportedVersion,

    /// <summary>A command or reply code that USB/IP does not define.</summary>
    UnknownCommand,

    /// <summary>A defined code that this side or phase must not receive (a reply on the server, a URB before import).</summary>
    UnexpectedCommand,

    /// <summary>A length or count beyond the configured <see cref="UsbIpLimits"/>.</summary>
    LimitExceeded,

    /// <summary>A length or count that is negative.</summary>
    NegativeLength,

    /// <summary>A direction other than 0 (OUT) or 1 (IN).</summary>
    InvalidDirection,

    /// <summary>A RET_SUBMIT whose seqnum matches no pending CMD_SUBMIT (the kernel tears the port down on this).</summary>
    UnknownSeqnum,

    /// <summary>A RET_SUBMIT inconsistent with its CMD_SUBMIT (actual_length past the request, ISO sums that differ).</summary>
    InconsistentLength,

    /// <summary>The parser already failed; the connection must be closed.</summary>
    Faulted,
}

/// <summary>
/// The only exception the parsers produce. The message names the message type, the field and the offending value,
/// e.g. <c>CMD_SUBMIT transfer_buffer_length 16777217 exceeds the limit 16777216</c>.
/// </summary>
public sealed class UsbIpProtocolException : Exception
{
    public UsbIpProtocolException(UsbIpErrorReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>The machine-readable cause.</summary>
    public UsbIpErrorReason Reason { get; }
}

/// <summary>The outcome of one parse attempt.</summary>
public enum UsbIpParseResult
{
    /// <summary>The buffer holds no complete message yet; it was not advanced. Read more and call again.</summary>
    NeedMoreData,

    /// <summary>One message was parsed and the buffer was advanced past it.</summary>
    Parsed,

    /// <summary>The stream is not valid USB/IP; the error says why. The connection must be closed.</summary>
    Error,
}
