using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb;

/// <summary>A libusb function returned a negative <see cref="LibUsbError"/>; the message carries libusb's own name.</summary>
public sealed class LibUsbException : Exception
{
    /// <summary>Creates the exception for a libusb return code.</summary>
    /// <param name="error">The libusb error.</param>
    /// <param name="operation">The libusb function (or our operation) that failed.</param>
    public LibUsbException(LibUsbError error, string operation)
        : base($"{operation} failed: {LibUsbErrors.Name(error)} ({(int)error})")
    {
        Error = error;
        Operation = operation;
    }

    /// <summary>The libusb error code.</summary>
    public LibUsbError Error { get; }

    /// <summary>The failing operation.</summary>
    public string Operation { get; }

    /// <summary>libusb's name for <see cref="Error"/>, e.g. <c>LIBUSB_ERROR_NO_DEVICE</c>.</summary>
    public string ErrorName => LibUsbErrors.Name(Error);
}

/// <summary>Error-code helpers.</summary>
public static class LibUsbErrors
{
    /// <summary>
    /// libusb's name for an error code (<c>libusb_error_name</c>, e.g. <c>LIBUSB_ERROR_PIPE</c>); also accepts
    /// transfer status values. Unknown codes come back as <c>**UNKNOWN**</c>.
    /// </summary>
    /// <param name="error">The code.</param>
    public static string Name(LibUsbError error) =>
        Marshal.PtrToStringAnsi(LibUsbNative.ErrorName((int)error)) ?? "**UNKNOWN**";

    /// <summary>Returns <paramref name="result"/> when it is not negative; throws <see cref="LibUsbException"/> otherwise.</summary>
    /// <param name="result">A libusb return value.</param>
    /// <param name="operation">The libusb function called.</param>
    internal static int Check(int result, string operation) =>
        result < 0 ? throw new LibUsbException((LibUsbError)result, operation) : result;
}
