using UsbMesh.Configuration;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Node;

/// <summary>The configured trust (<c>usbmesh.trust</c>): the peers of the file and where the run-time store lives.</summary>
/// <param name="Peers">The peers of the configuration.</param>
/// <param name="StoreFile">The trust store file (peers added at run time), absolute.</param>
public sealed record TrustSettings(TrustList Peers, string StoreFile)
{
    public const string TrustPath = "usbmesh.trust";

    private static readonly string[] PeerKeys = ["name", "id", "admin"];

    internal static TrustSettings Read(SettingsReader reader, string stateDirectory)
    {
        var storePath = $"{TrustPath}.store-file";
        var store = reader.String(storePath);
        if (store.Length == 0)
        {
            throw reader.Invalid(storePath, "the trust store file cannot be empty");
        }

        return new TrustSettings(ReadPeers(reader.Config), Path.GetFullPath(store, stateDirectory));
    }

    private static TrustList ReadPeers(Config config)
    {
        var peers = TrustList.Empty;
        var index = 0;
        foreach (var peer in config.GetConfigList($"{TrustPath}.peers"))
        {
            var path = $"{TrustPath}.peers[{index++}]";
            SettingsReader.RequireKnownKeys(peer, path, "peer", PeerKeys);

            var origin = peer.GetOrigin("id") ?? peer.GetOrigin("name");
            if (!NodeId.TryParse(peer.GetString("id"), out var id, out var problem))
            {
                throw new ConfigurationException($"{path}.id: {problem}", peer.GetOrigin("id"), $"{path}.id");
            }

            try
            {
                peers = peers.With(new TrustedPeer(peer.GetString("name"), id, peer.GetBoolean("admin", false), origin?.ToString() ?? path));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"{path}: {e.Message.Split(" (Parameter", 2)[0]}", origin, path);
            }
        }

        return peers;
    }
}
