using UsbMesh.Configuration;
using UsbMesh.Node;

namespace UsbMesh.Cli;

/// <summary>
/// Where the local node's admin socket is: <c>--socket</c>; else the node's configuration given with
/// <c>--config</c>; else <c>USBMESH_SOCKET</c>; else the node's defaults (reference.conf). From a configuration it is
/// <c>usbmesh.shell.socket</c> under the node's state directory, as the node itself places it.
/// </summary>
internal static class SocketPath
{
    public const string EnvironmentVariable = "USBMESH_SOCKET";

    /// <exception cref="ConfigurationException">The configuration file is missing or broken.</exception>
    public static string Resolve(ClientOptions options)
    {
        if (options.Socket is { Length: > 0 } socket)
        {
            return Path.GetFullPath(socket);
        }

        if (options.Config is null && Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        return FromConfig(NodeConfig.Load(options.Config));
    }

    /// <summary>The admin socket of the node configured by <paramref name="config"/> (complete and resolved).</summary>
    public static string FromConfig(Config config) => NodeSettings.FromConfig(config).Shell.Socket;
}
