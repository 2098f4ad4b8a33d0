using UsbMesh.Devices;
using UsbMesh.Gadgets.MassStorage;

namespace UsbMesh.Node.Tests.Bridges;

/// <summary>The host side of a USB stick for the specs: the shared initiator, each URB bounded in time.</summary>
internal static class BulkOnlyClient
{
    public const int BlockSize = BulkOnlyInitiator.BlockSize;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static BulkOnlyInitiator For(IUsbDeviceBackend device) =>
        new((request, cancellationToken) => device.SubmitAsync(request, cancellationToken).WaitAsync(Patience, cancellationToken));
}
