using System.Text.Json;
using System.Text.Json.Serialization;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Trust;

/// <summary>
/// The peers trusted at run time (by the shell), kept in a JSON file of the state directory with mode 0600: each
/// change is written to a new file and renamed over the old one, so a crash leaves the old list or the new one,
/// never half of either. The configured peers are not in it and cannot be removed through it.
/// </summary>
public sealed class TrustStore
{
    private readonly string _path;
    private readonly TrustList _configured;
    private readonly object _gate = new();

    private TrustStore(string path, TrustList configured, TrustList current)
    {
        _path = path;
        _configured = configured;
        Current = current;
    }

    /// <summary>The configured peers and the stored ones together.</summary>
    public TrustList Current { get; private set; }

    /// <summary>Reads the store at <paramref name="path"/> (none yet is an empty store) over <paramref name="configured"/>.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="configured">The peers of the configuration.</param>
    /// <exception cref="TrustStoreException">The file is unreadable, malformed, or clashes with the configuration.</exception>
    public static TrustStore Open(string path, TrustList configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var list = configured;
        if (File.Exists(path))
        {
            try
            {
                var stored = JsonSerializer.Deserialize(File.ReadAllText(path), TrustStoreJson.Default.StoredPeerArray) ?? [];
                foreach (var peer in stored)
                {
                    list = list.With(new TrustedPeer(peer.Name, NodeId.Parse(peer.Id), peer.Admin, $"trust store {path}"));
                }
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException or IOException)
            {
                throw new TrustStoreException($"{path}: {e.Message}", e);
            }
        }

        return new TrustStore(path, configured, list);
    }

    /// <summary>Trusts a peer from now on (and after restarts).</summary>
    /// <param name="name">Its name.</param>
    /// <param name="id">Its node id.</param>
    /// <param name="admin">Whether it may run admin commands here.</param>
    /// <exception cref="ArgumentException">The name or id is taken.</exception>
    public TrustList Add(string name, NodeId id, bool admin) =>
        Change(list => list.With(new TrustedPeer(name, id, admin, $"trust store {_path}")));

    /// <summary>Stops trusting a stored peer. Returns false when there is none of that name.</summary>
    /// <param name="name">Its name.</param>
    /// <exception cref="InvalidOperationException">The peer comes from the configuration: edit the file instead.</exception>
    public bool Remove(string name)
    {
        if (_configured.Find(name) is { } configured)
        {
            throw new InvalidOperationException($"[{name}] is trusted by the configuration ({configured.Origin}); remove it there");
        }

        var removed = false;
        Change(list =>
        {
            removed = list.Find(name) is not null;
            return list.Without(name);
        });
        return removed;
    }

    private TrustList Change(Func<TrustList, TrustList> change)
    {
        lock (_gate)
        {
            var next = change(Current);
            Save(next);
            Current = next;
            return next;
        }
    }

    private void Save(TrustList list)
    {
        var stored = list.Peers.Where(p => _configured.Find(p.Name) is null)
            .Select(p => new StoredPeer(p.Name, p.Id.ToString(), p.Admin))
            .ToArray();
        var temporary = _path + ".new";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(file, stored, TrustStoreJson.Default.StoredPeerArray);
        }

        File.Move(temporary, _path, overwrite: true);
    }
}

/// <summary>One peer as the store file keeps it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Id">Its node id, in text form.</param>
/// <param name="Admin">Whether it may run admin commands.</param>
internal sealed record StoredPeer(string Name, string Id, bool Admin);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower)]
[JsonSerializable(typeof(StoredPeer[]))]
internal sealed partial class TrustStoreJson : JsonSerializerContext;

/// <summary>The trust store file cannot be used; the message names it and the problem.</summary>
public sealed class TrustStoreException(string message, Exception inner) : Exception(message, inner);
