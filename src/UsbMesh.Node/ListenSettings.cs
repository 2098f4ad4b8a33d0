using System.Net;

namespace UsbMesh.Node;

/// <summary>Where this node accepts mesh connections and how peers should reach it (<c>usbmesh.listen</c>).</summary>
/// <param name="Endpoints">Addresses and ports to listen on; empty when the node only connects out.</param>
/// <param name="Advertise">Addresses announced to peers instead of the endpoints; empty to announce the endpoints.</param>
public sealed record ListenSettings(IReadOnlyList<string> Endpoints, IReadOnlyList<string> Advertise)
{
    public const string ListenPath = "usbmesh.listen";

    internal static ListenSettings Read(SettingsReader reader)
    {
        var endpointsPath = $"{ListenPath}.endpoints";
        var endpoints = reader.Config.GetStringList(endpointsPath);
        foreach (var endpoint in endpoints)
        {
            if (!IPEndPoint.TryParse(endpoint, out _) || !endpoint.Contains(':'))
            {
                throw reader.Invalid(endpointsPath, $"[{endpoint}] is not an address and port such as 0.0.0.0:7240 or [::]:7240");
            }
        }

        var advertisePath = $"{ListenPath}.advertise";
        var advertise = reader.Config.GetStringList(advertisePath);
        foreach (var address in advertise)
        {
            HostAndPort.Require(reader, advertisePath, address);
        }

        return new ListenSettings(endpoints, advertise);
    }
}
