using UsbMesh.Mesh.Identity;

namespace UsbMesh.Cli.Nodes;

/// <summary>A peer a <see cref="LocalNodeSpec"/> trusts: its name, id and whether it may run admin commands here.</summary>
public sealed record TrustedPeerSpec(string Name, NodeId Id, bool Admin = false);

/// <summary>
/// One node to run in this process, on loopback: its name, state directory (identity key, gadget images, admin
/// socket), whom it trusts and joins through, its gadgets (HOCON gadget entries) and a log file. Timings favour a quick
/// start: gossip every 300 ms, so a mesh forms and shows its devices within a second or two; failure detection keeps
/// its defaults, so a busy machine does not take a slow member for a dead one.
/// </summary>
public sealed record LocalNodeSpec(string Name, string StateDirectory)
{
    /// <summary>The mesh listener: a free port of the loopback address by default.</summary>
    public string Listen { get; init; } = "127.0.0.1:0";

    public IReadOnlyList<TrustedPeerSpec> Trusts { get; init; } = [];

    /// <summary>Nodes to join through, as "host:port".</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>HOCON gadget entries (<c>{ type = keyboard, name = keys }</c>).</summary>
    public IReadOnlyList<string> Gadgets { get; init; } = [];

    /// <summary>The dashboard's endpoint ("127.0.0.1:7280"), or null for none.</summary>
    public string? Dashboard { get; init; }

    /// <summary>Where the node logs (text), instead of the console.</summary>
    public string? LogFile { get; init; }

    /// <summary>HOCON merged over the rest.</summary>
    public string Settings { get; init; } = "";

    /// <summary>The node's identity key file, in its state directory.</summary>
    public string KeyFile => Path.Combine(StateDirectory, "identity.key");

    /// <summary>Creates the state directory (owner only, as the node requires) and the identity key, and returns the id.</summary>
    public NodeId CreateIdentity()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(StateDirectory);
        }
        else
        {
            Directory.CreateDirectory(StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return NodeIdentity.LoadOrCreate(KeyFile, out _).Id;
    }

    /// <summary>The node's configuration.</summary>
    public string ToHocon()
    {
        static string Quoted(string text) => $"\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        var peers = string.Join(", ", Trusts.Select(t => $"{{ name = {Quoted(t.Name)}, id = {Quoted(t.Id.ToString())}, admin = {(t.Admin ? "on" : "off")} }}"));
        var logging = LogFile is null
            ? "logging.console.enabled = on"
            : $"logging {{ console.enabled = off, file {{ path = {Quoted(LogFile)}, format = text, rolling = infinite }} }}";
        return $$"""
            usbmesh {
              node { name = {{Quoted(Name)}}, state-directory = {{Quoted(StateDirectory)}} }
              identity.key-file = {{Quoted(KeyFile)}}
              listen.endpoints = [{{Quoted(Listen)}}]
              transports.enabled = [tls]
              remote.reconnect { min-backoff = 100ms, max-backoff = 1s }
              mesh { seed-nodes = [{{string.Join(", ", Seeds.Select(Quoted))}}], gossip-interval = 300ms }
              trust.peers = [{{peers}}]
              gadgets = [{{string.Join(", ", Gadgets)}}]
              usb-host.enabled = off
              imports.attach-to = usbipd
              usbipd { enabled = on, endpoint = "127.0.0.1:0" }
              dashboard { enabled = {{(Dashboard is null ? "off" : "on")}}, endpoint = {{Quoted(Dashboard ?? "127.0.0.1:0")}} }
              metrics.enabled = {{(Dashboard is null ? "off" : "on")}}
              {{logging}}
              coordinated-shutdown.default-phase-timeout = 2s
            }
            {{Settings}}
            """;
    }
}
