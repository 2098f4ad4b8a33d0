using UsbMesh.Mesh.Transport;

namespace UsbMesh.Node;

/// <summary>Checks settings that name addresses with the transports' own parser, so that what the configuration
/// accepts is exactly what a transport can use; a refusal names the setting and where it was set.</summary>
internal static class AddressSettings
{
    /// <summary>Where to listen: an IP address and an explicit port (<c>0.0.0.0:7240</c>, <c>[::]:7240</c>).</summary>
    public static void RequireListening(SettingsReader reader, string path, string address)
    {
        // The transports take a missing port as "any port"; in a configuration it is more likely a slip.
        if (!address.Contains(':'))
        {
            throw reader.Invalid(path, $"[{address}] is not an address and port such as 0.0.0.0:7240 or [::]:7240");
        }

        Require(reader, path, () => TransportAddress.Listening(address));
    }

    /// <summary>Where a peer is reached: a host name or IP address and a port (<c>pi-hub.local:7240</c>).</summary>
    public static void RequireRemote(SettingsReader reader, string path, string address) =>
        Require(reader, path, () => TransportAddress.Remote(address));

    private static void Require(SettingsReader reader, string path, Action parse)
    {
        try
        {
            parse();
        }
        catch (TransportException e)
        {
            throw reader.Invalid(path, e.Message);
        }
    }
}
