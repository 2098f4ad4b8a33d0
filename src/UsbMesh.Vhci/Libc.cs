using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace UsbMesh.Vhci;

/// <summary>The few libc calls the vhci front end needs that .NET has no API for.</summary>
[UnsupportedOSPlatform("windows")]
internal static unsafe partial class Libc
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EINVAL = 22;

    private const string Library = "libc";
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;
    private const int OWronly = 1;
    private const int OCloexec = 0x80000;

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected stream sockets.</summary>
    /// <returns>0, or the errno.</returns>
    public static int StreamSocketPair(out int first, out int second)
    {
        var fds = stackalloc int[2];
        if (SocketPair(AfUnix, SockStream | SockCloexec, 0, fds) != 0)
        {
            first = second = -1;
            return Marshal.GetLastPInvokeError();
        }

        first = fds[0];
        second = fds[1];
        return 0;
    }

    /// <summary>
    /// Writes <paramref name="text"/> to a sysfs attribute in one write(2), as the kernel's store functions need it.
    /// </summary>
    /// <returns>0, or the errno of open(2) or write(2).</returns>
    public static int WriteAttribute(string path, string text)
    {
        var fd = Open(path, OWronly | OCloexec);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        try
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(text);
            fixed (byte* data = bytes)
            {
                var written = Write(fd, data, bytes.Length);
                if (written < 0)
                {
                    return Marshal.GetLastPInvokeError();
                }

                // A short write would leave the kernel half a request; sysfs takes the whole buffer or fails.
                return written == bytes.Length ? 0 : EINVAL;
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>The C library's text for an errno ("Permission denied").</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [LibraryImport(Library, EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* data, nint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
