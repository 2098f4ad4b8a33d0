using System.Globalization;

namespace UsbMesh.Node;

/// <summary>The check for settings naming where a peer is reached: <c>host:port</c> (<c>pi-hub.local:7240</c>, <c>[::1]:7240</c>).</summary>
internal static class HostAndPort
{
    public static void Require(SettingsReader reader, string path, string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw reader.Invalid(path, $"[{address}] is not a host and port such as pi-hub.local:7240 or [::1]:7240");
        }
    }
}
