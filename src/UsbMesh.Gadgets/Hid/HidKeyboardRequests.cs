using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Hid;

/// <summary>HID protocol selected with SET_PROTOCOL (HID 1.11 7.2.6).</summary>
public enum HidProtocol : byte
{
    /// <summary>Boot protocol (0).</summary>
    Boot = 0,

    /// <summary>Report protocol (1), the state after reset.</summary>
    Report = 1,
}

/// <summary>The state the host changes with HID class requests.</summary>
/// <param name="Protocol">Boot or report protocol.</param>
/// <param name="IdleRate">Idle duration in 4 ms units (0 = report only on change).</param>
/// <param name="Leds">The last LED output report.</param>
/// <param name="Input">The current input report (what GET_REPORT(Input) returns).</param>
public sealed record HidKeyboardState(HidProtocol Protocol, byte IdleRate, KeyboardLedState Leds, BootKeyboardReport Input)
{
    /// <summary>After reset: report protocol, idle 500 ms (the keyboard default of HID 1.11 7.2.4), LEDs off, no key.</summary>
    public static HidKeyboardState Initial { get; } = new(HidProtocol.Report, 125, default, BootKeyboardReport.Released);

    /// <summary>The idle duration as a time span; null for indefinite (0).</summary>
    public TimeSpan? IdleDuration => IdleRate == 0 ? null : TimeSpan.FromMilliseconds(IdleRate * 4);
}

/// <summary>
/// HID class requests of the boot keyboard interface as pure functions of state and SETUP packet: GET_REPORT,
/// GET_IDLE, GET_PROTOCOL, SET_REPORT (LED output report), SET_IDLE, SET_PROTOCOL. Requests the keyboard does not
/// support, or that are malformed, stall. The keyboard has one report per direction and uses no report IDs, so a
/// nonzero report ID stalls.
/// </summary>
public static class HidKeyboardRequests
{
    /// <summary>GET_REPORT.</summary>
    public const byte GetReport = 0x01;

    /// <summary>GET_IDLE.</summary>
    public const byte GetIdle = 0x02;

    /// <summary>GET_PROTOCOL.</summary>
    public const byte GetProtocol = 0x03;

    /// <summary>SET_REPORT.</summary>
    public const byte SetReport = 0x09;

    /// <summary>SET_IDLE.</summary>
    public const byte SetIdle = 0x0A;

    /// <summary>SET_PROTOCOL.</summary>
    public const byte SetProtocol = 0x0B;

    private const byte InputReportType = 0x01;
    private const byte OutputReportType = 0x02;

    /// <summary>Answers <paramref name="request"/> in <paramref name="state"/>; returns the response and the next state.</summary>
    /// <param name="state">The current state.</param>
    /// <param name="request">The SETUP packet (a class request to the interface).</param>
    /// <param name="outData">The OUT data stage (SET_REPORT); empty otherwise.</param>
    public static (GadgetControlResponse Response, HidKeyboardState State) Handle(
        HidKeyboardState state, SetupPacket request, ReadOnlySpan<byte> outData = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (request.Type != RequestType.Class || request.Recipient != RequestRecipient.Interface)
        {
            return (GadgetControlResponse.Stall, state);
        }

        var high = (byte)(request.Value >> 8);
        var low = (byte)request.Value;
        if (request.Direction == UsbDirection.In)
        {
            switch (request.Request)
            {
                case GetReport when low == 0 && high == InputReportType:
                    return (GadgetControlResponse.In(state.Input.ToArray(), request.Length), state);
                case GetReport when low == 0 && high == OutputReportType:
                    return (GadgetControlResponse.In([state.Leds.ToByte()], request.Length), state);
                case GetIdle when high == 0 && low == 0:
                    return (GadgetControlResponse.In([state.IdleRate], request.Length), state);
                case GetProtocol when request.Value == 0:
                    return (GadgetControlResponse.In([(byte)state.Protocol], request.Length), state);
                default:
                    return (GadgetControlResponse.Stall, state);
            }
        }

        switch (request.Request)
        {
            case SetReport when low == 0 && high == OutputReportType && request.Length >= 1 && outData.Length >= 1:
                return (GadgetControlResponse.Ack, state with { Leds = KeyboardLedState.Parse(outData) });
            case SetIdle when low == 0 && request.Length == 0:
                return (GadgetControlResponse.Ack, state with { IdleRate = high });
            case SetProtocol when request.Value <= 1 && request.Length == 0:
                return (GadgetControlResponse.Ack, state with { Protocol = (HidProtocol)request.Value });
            default:
                return (GadgetControlResponse.Stall, state);
        }
    }
}
