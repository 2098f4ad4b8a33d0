namespace UsbMesh.Node;

/// <summary>Where this node accepts mesh connections and how peers should reach it (<c>usbmesh.listen</c>).</summary>
/// <param name="Endpoints">Addresses and ports to listen on; empty when the node only connects out.</param>
/// <param name="Advertise">Addresses announced to peers instead of the endpoints; empty to announce the endpoints.</param>
/// <param name="Admission">What each listener admits, and how long an inbound handshake may take.</param>
public sealed record ListenSettings(IReadOnlyList<string> Endpoints, IReadOnlyList<string> Advertise, AdmissionSettings Admission)
{
    public const string ListenPath = "usbmesh.listen";

    internal static ListenSettings Read(SettingsReader reader)
    {
        var endpointsPath = $"{ListenPath}.endpoints";
        var endpoints = reader.Config.GetStringList(endpointsPath);
        foreach (var endpoint in endpoints)
        {
            AddressSettings.RequireListening(reader, endpointsPath, endpoint);
        }

        var advertisePath = $"{ListenPath}.advertise";
        var advertise = reader.Config.GetStringList(advertisePath);
        foreach (var address in advertise)
        {
            AddressSettings.RequireRemote(reader, advertisePath, address);
        }

        return new ListenSettings(endpoints, advertise, AdmissionSettings.Read(reader, ListenPath));
    }
}
