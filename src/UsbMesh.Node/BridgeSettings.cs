using UsbMesh.Configuration;
using UsbMesh.Mesh.Transport;
using UsbMesh.UsbIp;

namespace UsbMesh.Node;

/// <summary>
/// One usbipd server whose devices this node imports and offers as its own (<c>usbmesh.bridges[i]</c>).
/// </summary>
/// <param name="Host">The server's host name or IP address.</param>
/// <param name="Port">The server's port.</param>
/// <param name="Devices">Bus ids on the server to import; empty: every device it lists.</param>
/// <param name="ShareWith">Which mesh peers may see and import the bridged devices: peer names, or <c>*</c>.</param>
/// <param name="ReconnectInterval">How often a server that is away is tried again, and a missing device looked for.</param>
/// <param name="BusIdPrefix">What the node puts before the server's bus ids ("br1-"), so they cannot clash with its own.</param>
public sealed record BridgeSettings(
    string Host,
    int Port,
    IReadOnlyList<string> Devices,
    IReadOnlyList<string> ShareWith,
    TimeSpan ReconnectInterval,
    string BusIdPrefix)
{
    public const string BridgesPath = "usbmesh.bridges";

    private static readonly string[] Keys = ["server", "devices", "share-with", "reconnect-interval"];

    /// <summary>The longest reconnect interval that may be configured.</summary>
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>The server as written in the configuration.</summary>
    public string Server => $"{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";

    /// <summary>The bus id the node offers a server's device under.</summary>
    /// <param name="remoteBusId">The device's bus id on the server.</param>
    public string LocalBusId(string remoteBusId) => BusIdPrefix + remoteBusId;

    /// <summary>Whether the device's bus id fits a USB/IP bus id field once prefixed (at most 31 characters).</summary>
    /// <param name="remoteBusId">The device's bus id on the server.</param>
    public bool Fits(string remoteBusId) => LocalBusId(remoteBusId).Length < UsbIpConstants.BusIdLength;

    internal static List<BridgeSettings> Read(Config config)
    {
        var bridges = new List<BridgeSettings>();
        var index = 0;
        foreach (var bridge in config.GetConfigList(BridgesPath))
        {
            var path = $"{BridgesPath}[{index}]";
            SettingsReader.RequireKnownKeys(bridge, path, "bridge", Keys);
            var server = bridge.GetString("server", "");
            (string Host, int Port) address;
            try
            {
                address = TransportAddress.Remote(server);
            }
            catch (TransportException)
            {
                throw Invalid(bridge, path, "server", $"[{server}] is not a usbipd server's host and port such as 10.0.0.5:3240 or pi-hub.local:3240");
            }

            var interval = bridge.GetTimeSpan("reconnect-interval", TimeSpan.FromSeconds(5));
            if (interval <= TimeSpan.Zero || interval > MaxInterval)
            {
                throw Invalid(bridge, path, "reconnect-interval", "out of range; the accepted range is above 0 up to 1h");
            }

            var settings = new BridgeSettings(
                address.Host,
                address.Port,
                bridge.GetStringList("devices", []),
                bridge.GetStringList("share-with", ["*"]),
                interval,
                $"br{++index}-");
            foreach (var busId in settings.Devices)
            {
                if (busId.Length == 0 || !busId.All(c => c is > ' ' and <= '~') || !settings.Fits(busId))
                {
                    throw Invalid(bridge, path, "devices",
                        $"[{busId}] is not a bus id this node can offer: 1 to {UsbIpConstants.BusIdLength - 1 - settings.BusIdPrefix.Length} printable characters (the node puts {settings.BusIdPrefix} before it)");
                }
            }

            bridges.Add(settings);
        }

        return bridges;
    }

    /// <summary>An error at <paramref name="key"/>, or, when the key is missing, where its bridge is written.</summary>
    private static ConfigurationException Invalid(Config element, string path, string key, string problem) =>
        new($"{path}.{key}: {problem}",
            element.GetOrigin(key) ?? element.Keys.Select(element.GetOrigin).FirstOrDefault(o => o is not null),
            $"{path}.{key}");
}
