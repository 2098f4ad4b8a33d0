using System.Net;
using System.Net.Sockets;

namespace UsbMesh.Node.Tests;

/// <summary>Ports for specs that must name one in a configuration before the node binds it.</summary>
public static class FreePorts
{
    /// <summary>A TCP port free on the loopback interface a moment ago.</summary>
    public static int Loopback()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
