using System.Runtime.Versioning;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Node.Tests;

/// <summary>One node of a <see cref="MeshDaemons"/> set: who it is, where it listens, whom it trusts and joins
/// through, the gadgets it exports (HOCON gadget entries), and HOCON of its own that overrides the shared settings
/// (<paramref name="Settings"/>, e.g. a usbipd endpoint or a shorter grace period).</summary>
public sealed record MeshNodeSpec(string Name, string Listen, string[] Trusts, string[] Seeds, string[] Gadgets, IReadOnlyList<string>? Launcher = null, string Settings = "");

/// <summary>
/// Several usbmeshd processes forming a mesh, each started from a HOCON file written here: identity keys are created
/// first, so every file can name its peers' ids. Timings are shortened (heartbeats every 200 ms, down after 3 s) so
/// that scenarios end in seconds. Disposing kills every daemon.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class MeshDaemons : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("usbmesh-mesh-").FullName;
    private readonly Dictionary<string, NodeIdentity> _identities = [];
    private readonly Dictionary<string, DaemonProcess> _daemons = [];

    public DaemonProcess this[string name] => _daemons[name];

    public bool IsRunning(string name) => _daemons.ContainsKey(name);

    public NodeId IdOf(string name) => Identity(name).Id;

    /// <summary>The identity (key) of <paramref name="name"/>, for a test that acts as that node itself.</summary>
    public NodeIdentity IdentityOf(string name) => Identity(name);

    /// <summary>The node's state directory, where relative gadget image paths point.</summary>
    public string StateDirectoryOf(string name) => Path.Combine(_root, name);

    public DaemonProcess Start(MeshNodeSpec node)
    {
        var configFile = Path.Combine(_root, $"{node.Name}.conf");
        File.WriteAllText(configFile, ConfigOf(node));
        var daemon = DaemonProcess.Start(["--config", configFile], launcher: node.Launcher);
        _daemons[node.Name] = daemon;
        return daemon;
    }

    /// <summary>Kills a daemon at once (SIGKILL), as a crash or a power cut would.</summary>
    public async Task KillAsync(string name)
    {
        await _daemons[name].DisposeAsync();
        _daemons.Remove(name);
    }

    /// <summary>Waits until <paramref name="viewer"/> logs that <paramref name="subject"/> is up.</summary>
    public Task<string> UpAsync(string viewer, string subject, TimeSpan timeout) =>
        _daemons[viewer].WaitForLineAsync(l => IsMemberLine(l, subject, "is up"), timeout);

    /// <summary>A membership log line about <paramref name="subject"/> ("Member desk (ABCDEFG) is up").</summary>
    public static bool IsMemberLine(string line, string subject, string what) =>
        line.Contains("Member ", StringComparison.Ordinal) && line.Contains($"{subject} (", StringComparison.Ordinal) && line.Contains(what, StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons.Values)
        {
            await daemon.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private string ConfigOf(MeshNodeSpec node)
    {
        var state = StateDirectoryOf(node.Name);
        Directory.CreateDirectory(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var identity = Identity(node.Name);
        var peers = string.Join("\n", node.Trusts.Select(t => $$"""    { name = {{t}}, id = "{{IdOf(t)}}" }"""));
        var seeds = string.Join(", ", node.Seeds.Select(s => $"\"{s}\""));
        return $$"""
            usbmesh {
              node { name = {{node.Name}}, state-directory = "{{state}}" }
              identity.key-file = "{{KeyFile(node.Name)}}"
              listen.endpoints = ["{{node.Listen}}"]
              transports { enabled = [tls], heartbeat-interval = 500ms, idle-timeout = 3s, connect-timeout = 2s }
              remote.reconnect { min-backoff = 100ms, max-backoff = 1s }
              mesh {
                seed-nodes = [{{seeds}}]
                gossip-interval = 300ms
                failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s, first-heartbeat-estimate = 200ms }
                down-unreachable-after = 3s
                removal-margin = 1s
                tombstone-ttl = 10s
                announcement-ttl = 10s
              }
              trust.peers = [
            {{peers}}
              ]
              gadgets = [{{string.Join(", ", node.Gadgets)}}]
              usb-host.enabled = off
              usbipd.enabled = off
              logging { level = info, console.format = text }
              coordinated-shutdown.default-phase-timeout = 2s
            }
            {{node.Settings}}
            """;
    }

    private string KeyFile(string name) => Path.Combine(_root, $"{name}.key");

    private NodeIdentity Identity(string name)
    {
        if (!_identities.TryGetValue(name, out var identity))
        {
            _identities[name] = identity = NodeIdentity.LoadOrCreate(KeyFile(name), out _);
        }

        return identity;
    }
}
