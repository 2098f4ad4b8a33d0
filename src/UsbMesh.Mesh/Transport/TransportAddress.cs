using System.Globalization;
using System.Net;

namespace UsbMesh.Mesh.Transport;

/// <summary>The address forms the network transports share: <c>address:port</c> to listen on, <c>host:port</c> to reach.</summary>
internal static class TransportAddress
{
    /// <summary>Where to listen: an IP address and port (<c>0.0.0.0:7240</c>, <c>[::]:7240</c>, port 0 for any).</summary>
    /// <exception cref="TransportException">It is not one.</exception>
    public static IPEndPoint Listening(string address) =>
        IPEndPoint.TryParse(address, out var endpoint)
            ? endpoint
            : throw new TransportException($"[{address}] is not an address and port such as 0.0.0.0:7240 or [::]:7240");

    /// <summary>Whom to reach: a host name or IP address and a port (<c>pi-hub.local:7240</c>, <c>[::1]:7240</c>).</summary>
    /// <exception cref="TransportException">It is not one.</exception>
    public static (string Host, int Port) Remote(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new TransportException($"[{address}] is not a host and port such as pi-hub.local:7240 or [::1]:7240");
        }

        return (address[..colon].Trim('[', ']'), port);
    }
}
