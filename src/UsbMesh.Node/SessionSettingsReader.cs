using UsbMesh.Sessions;

namespace UsbMesh.Node;

/// <summary>Reads <c>usbmesh.sessions</c>: how long an import waits out a cut, and how long a handshake may take.</summary>
internal static class SessionSettingsReader
{
    public const string SessionsPath = "usbmesh.sessions";

    internal static SessionSettings Read(SettingsReader reader) =>
        SessionSettings.Default with
        {
            GracePeriod = reader.PositiveDuration($"{SessionsPath}.grace-period", TimeSpan.FromHours(1)),
            HandshakeTimeout = reader.PositiveDuration($"{SessionsPath}.handshake-timeout", TimeSpan.FromMinutes(5)),
        };
}
