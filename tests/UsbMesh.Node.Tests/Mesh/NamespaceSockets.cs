using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace UsbMesh.Node.Tests;

/// <summary>
/// TCP sockets that belong to a node's network namespace while this process stays where it is: a socket belongs to
/// the namespace of the thread that creates it, so each is created on a short-lived thread that has entered the
/// namespace (setns), and the process's other threads are not touched. Connecting, listening and accepting then work
/// from any thread, inside that namespace.
/// </summary>
[UnsupportedOSPlatform("windows")]
public static class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A TCP socket created inside the namespace <paramref name="ns"/> (an <c>ip netns</c> name).</summary>
    public static Socket Create(string ns)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/run/netns", ns), FileMode.Open, FileAccess.Read);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {ns} failed");
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "creating a socket in the namespace hung");
        return socket ?? throw new InvalidOperationException($"no socket in namespace {ns}", failure);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
