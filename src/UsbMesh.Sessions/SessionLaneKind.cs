using UsbMesh.Usb;

namespace UsbMesh.Sessions;

/// <summary>
/// The two lanes of a device session: control and interrupt transfers apart from bulk and isochronous ones, so that
/// a bulk flood never delays a keystroke. Every endpoint belongs to one lane, so per-endpoint order holds end to end.
/// </summary>
public enum SessionLaneKind : byte
{
    /// <summary>Control and interrupt transfers, and every unlink of them.</summary>
    Control = 0,

    /// <summary>Bulk and isochronous transfers, and every unlink of them.</summary>
    Bulk = 1,
}

/// <summary>Which lane a transfer travels on.</summary>
public static class SessionLanes
{
    /// <summary>Both kinds, in the order they are opened.</summary>
    public static readonly SessionLaneKind[] All = [SessionLaneKind.Control, SessionLaneKind.Bulk];

    /// <summary>The lane of a transfer of <paramref name="type"/>.</summary>
    public static SessionLaneKind For(TransferType type) =>
        type is TransferType.Bulk or TransferType.Isochronous ? SessionLaneKind.Bulk : SessionLaneKind.Control;
}
