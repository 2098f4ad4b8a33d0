using UsbMesh.Usb;

namespace UsbMesh.Devices;

/// <summary>
/// What drives one USB device: a real device through libusb, or an emulated gadget. <see cref="UsbDeviceActor"/> and
/// its <see cref="EndpointPipeActor"/> children speak only to this interface, so real and emulated devices are
/// interchangeable behind the same actors.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="SubmitAsync"/> is called from several pipe actors at once (one per endpoint), with many
/// transfers in flight per endpoint; implementations must be thread-safe. The other operations are called from the
/// ep-00 pipe, one at a time.</para>
/// <para>Failures: a transfer that fails reports it in its <see cref="UrbResult.Status"/>. A device that has gone
/// completes every pending and later transfer with <see cref="UrbStatus.DeviceGone"/> (-ESHUTDOWN). A task that
/// faults anyway is read as <see cref="UsbBackendException.Status"/>, or <see cref="UrbStatus.Other"/> (-EPROTO)
/// for any other exception.</para>
/// </remarks>
public interface IUsbDeviceBackend : IAsyncDisposable
{
    /// <summary>The device descriptor.</summary>
    DeviceDescriptor Device { get; }

    /// <summary>The configurations, in descriptor index order (GET_DESCRIPTOR(CONFIGURATION, i) is entry i).</summary>
    IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    /// <summary>The bus speed the device runs at.</summary>
    UsbSpeed Speed { get; }

    /// <summary>bConfigurationValue of the active configuration; 0 while unconfigured.</summary>
    byte ActiveConfigurationValue { get; }

    /// <summary>
    /// Starts a transfer. Cancelling <paramref name="unlink"/> is an unlink: the backend completes the task with
    /// <see cref="UrbStatus.Unlinked"/> if it could still cancel the transfer, or with the real result if the transfer
    /// had already completed. The task completes either way; it never stays pending after the device has gone.
    /// It may complete on the backend's own thread (libusb's event thread) with continuations run there: hand the
    /// result on (PipeTo) rather than work in the continuation.
    /// </summary>
    /// <param name="request">The transfer.</param>
    /// <param name="unlink">Cancelled when the host unlinks the URB (or its lease ends).</param>
    Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink);

    /// <summary>SET_CONFIGURATION (libusb_set_configuration).</summary>
    /// <param name="value">bConfigurationValue; 0 unconfigures.</param>
    Task SetConfigurationAsync(byte value);

    /// <summary>SET_INTERFACE (libusb_set_interface_alt_setting).</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    /// <param name="alternate">bAlternateSetting.</param>
    Task SetInterfaceAsync(byte interfaceNumber, byte alternate);

    /// <summary>CLEAR_FEATURE(ENDPOINT_HALT) (libusb_clear_halt): clears the halt and resets the data toggle.</summary>
    /// <param name="endpointAddress">The endpoint address with its direction bit.</param>
    Task ClearHaltAsync(byte endpointAddress);

    /// <summary>Port reset (libusb_reset_device).</summary>
    Task ResetAsync();

    /// <summary>
    /// The lease holder let go of the device (released it, disconnected or died). A real device gives its interfaces
    /// back to the local kernel drivers here; the next holder's first transfer claims them again.
    /// </summary>
    Task LeaseEndedAsync() => Task.CompletedTask;
}

/// <summary>A backend failure with the URB status it stands for (thrown by the non-transfer operations, or by a transfer that cannot report otherwise).</summary>
public sealed class UsbBackendException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="status">The status the failure maps to.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public UsbBackendException(UrbStatus status, string message, Exception? innerException = null)
        : base(message, innerException) => Status = status;

    /// <summary>The URB status the failure maps to.</summary>
    public UrbStatus Status { get; }
}
