using System.Runtime.Versioning;

namespace UsbMesh.Node.Tests;

/// <summary>
/// A small switched network of Linux network namespaces: one namespace per node, each with a veth link
/// (<c>eth0</c>, 10.77.0.N/24) to a bridge that lives in a namespace of its own, so the root namespace is never
/// touched. Names carry a random suffix, so parallel runs and leftovers of killed runs never collide. Disposing
/// deletes every namespace (and with them the bridge and the veth pairs), also after a failed setup.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class NetworkNamespaces : IDisposable
{
    private const string NodeLink = "eth0";
    private readonly string _switch;
    private readonly List<string> _created = [];
    private readonly Dictionary<string, (string Namespace, string Address, string SwitchPort)> _nodes = [];

    private NetworkNamespaces(string run) => _switch = $"{run}-sw";

    /// <summary>Creates the switch and one namespace per node, in the order given (10.77.0.1 is the first).</summary>
    public static NetworkNamespaces Create(params string[] nodes)
    {
        var network = new NetworkNamespaces(NetnsCommand.UniqueName("umt"));
        try
        {
            network.AddNamespace(network._switch);
            NetnsCommand.Ip("-n", network._switch, "link", "add", "br0", "type", "bridge");
            NetnsCommand.Ip("-n", network._switch, "link", "set", "br0", "up");
            foreach (var (name, index) in nodes.Select((n, i) => (n, i)))
            {
                network.AddNode(name, index);
            }

            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The node's address in its namespace (no port).</summary>
    public string AddressOf(string node) => _nodes[node].Address;

    /// <summary>The name of the node's namespace (as <c>ip netns</c> knows it, under /run/netns).</summary>
    public string NamespaceOf(string node) => _nodes[node].Namespace;

    /// <summary>The command prefix that runs a program inside the node's namespace.</summary>
    public IReadOnlyList<string> LauncherOf(string node) => ["ip", "netns", "exec", _nodes[node].Namespace];

    /// <summary>Takes the node's link down, as a pulled cable would: its packets go nowhere until <see cref="Restore"/>.</summary>
    public void Cut(string node) => NetnsCommand.Ip("-n", _nodes[node].Namespace, "link", "set", NodeLink, "down");

    public void Restore(string node) => NetnsCommand.Ip("-n", _nodes[node].Namespace, "link", "set", NodeLink, "up");

    /// <summary>
    /// Makes two nodes unable to reach each other while both still reach every other node, as two hosts behind
    /// different NATs are: each drops the other's address (a blackhole route), so a connection attempt fails at once and
    /// whatever passes between them goes through a third node (a relay, a proxy).
    /// </summary>
    public void Separate(string a, string b)
    {
        NetnsCommand.Ip("-n", _nodes[a].Namespace, "route", "add", "blackhole", $"{_nodes[b].Address}/32");
        NetnsCommand.Ip("-n", _nodes[b].Namespace, "route", "add", "blackhole", $"{_nodes[a].Address}/32");
    }

    /// <summary>
    /// Caps the node's link at 1 Mbit/s in both directions: a token bucket on the node's side shapes what it sends,
    /// one on the switch port shapes what it receives (tbf shapes egress only).
    /// </summary>
    public void Throttle(string node)
    {
        var (ns, _, port) = _nodes[node];
        NetnsCommand.Tbf(ns, NodeLink);
        NetnsCommand.Tbf(_switch, port);
    }

    /// <summary>Bytes the node sent through its token bucket (see <see cref="Throttle"/>).</summary>
    public long ShapedBytes(string node)
    {
        // "qdisc tbf 8001: root refcnt 2 rate 1Mbit burst 4Kb lat 400ms \n Sent 12345 bytes 67 pkt ..."
        var stats = NetnsCommand.Tc("-s", "-n", _nodes[node].Namespace, "qdisc", "show", "dev", NodeLink);
        var sent = stats.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "Sent").Skip(1).FirstOrDefault();
        return long.TryParse(sent, out var bytes) ? bytes : throw new InvalidOperationException($"No byte count in tc's statistics: {stats}");
    }

    public void Dispose()
    {
        // Every namespace is deleted even when one fails, so one stuck name does not leave the others behind.
        var failures = new List<string>();
        foreach (var ns in Enumerable.Reverse(_created))
        {
            if (!NetnsCommand.TryIp(out var error, "netns", "delete", ns))
            {
                failures.Add($"{ns}: {error}");
            }
        }

        _created.Clear();
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("Could not delete network namespaces: " + string.Join("; ", failures));
        }
    }

    private void AddNamespace(string ns)
    {
        NetnsCommand.Ip("netns", "add", ns);
        _created.Add(ns);
        NetnsCommand.Ip("-n", ns, "link", "set", "lo", "up");
    }

    private void AddNode(string name, int index)
    {
        var ns = $"{_switch[..^3]}-n{index}";
        var port = $"p{index}";
        var address = $"10.77.0.{index + 1}";
        AddNamespace(ns);
        NetnsCommand.Ip("-n", _switch, "link", "add", port, "type", "veth", "peer", "name", NodeLink, "netns", ns);
        NetnsCommand.Ip("-n", _switch, "link", "set", port, "master", "br0");
        NetnsCommand.Ip("-n", _switch, "link", "set", port, "up");
        NetnsCommand.Ip("-n", ns, "addr", "add", $"{address}/24", "dev", NodeLink);
        NetnsCommand.Ip("-n", ns, "link", "set", NodeLink, "up");
        _nodes[name] = (ns, address, port);
    }
}
