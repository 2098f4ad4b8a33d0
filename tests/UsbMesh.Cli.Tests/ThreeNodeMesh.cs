using System.Diagnostics;
using UsbMesh.Cli.Nodes;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Tests;

/// <summary>
/// Three nodes on loopback, run in the specs' process, each with its own state directory, admin socket and log file:
/// a hub with an 8 MiB stick and a keyboard shared with everyone, and a desk and a laptop that join through it. The
/// hub gives the desk the admin right and not the laptop. Ready once every node sees all three members up and the
/// desk sees the hub's stick.
/// </summary>
public sealed class ThreeNodeMesh : IAsyncLifetime
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("usbmesh-cli-tests-").FullName;
    private readonly Dictionary<string, LocalNode> _nodes = [];

    public LocalNode this[string name] => _nodes[name];

    /// <summary>The hub's stick as the mesh names it (<c>hub/100-1</c>).</summary>
    public string Stick { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var specs = new[] { "hub", "desk", "laptop" }.ToDictionary(n => n, n => new LocalNodeSpec(n, Path.Combine(_root, n)) { LogFile = Path.Combine(_root, $"{n}.log") });
        var ids = specs.ToDictionary(s => s.Key, s => s.Value.CreateIdentity());
        var hub = await LocalNode.StartAsync(specs["hub"] with
        {
            Trusts = [new TrustedPeerSpec("desk", ids["desk"], Admin: true), new TrustedPeerSpec("laptop", ids["laptop"])],
            Gadgets =
            [
                """{ type = mass-storage, name = stick, image = "stick.img", size = 8 MiB }""",
                "{ type = keyboard, name = keyboard }",
            ],
        }, CancellationToken.None);
        _nodes["hub"] = hub;
        foreach (var (name, other) in new[] { ("desk", "laptop"), ("laptop", "desk") })
        {
            _nodes[name] = await LocalNode.StartAsync(specs[name] with
            {
                Trusts = [new TrustedPeerSpec("hub", ids["hub"]), new TrustedPeerSpec(other, ids[other])],
                Seeds = hub.Mesh.Bound,
            }, CancellationToken.None);
        }

        foreach (var node in _nodes.Keys)
        {
            await UntilAsync(node, ["peers", "list"], t => t.Rows.Count(r => Column(t, r, "state") == "up") == 3);
        }

        var devices = await UntilAsync("desk", ["devices", "list"], t => t.Rows.Any(r => Column(t, r, "name") == "stick"));
        Stick = Column(devices, devices.Rows.First(r => Column(devices, r, "name") == "stick"), "device");
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_nodes.Values.Select(n => n.DisposeAsync().AsTask()));
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A log file a sink still holds; the system's temporary-file cleaning takes it later.
        }
    }

    /// <summary>The value of <paramref name="column"/> in <paramref name="row"/>.</summary>
    public static string Column(ShellFrame.Table table, IReadOnlyList<string> row, string column) => row[table.Columns.ToList().IndexOf(column)];

    /// <summary>Runs <paramref name="words"/> on <paramref name="node"/> in this process until its first table satisfies
    /// <paramref name="done"/>; fails with the last table when it does not within <see cref="Settle"/>.</summary>
    public async Task<ShellFrame.Table> UntilAsync(string node, string[] words, Func<ShellFrame.Table, bool> done)
    {
        var clock = Stopwatch.StartNew();
        await using var client = await ShellClient.ConnectAsync(_nodes[node].AdminSocket, "specs");
        var request = CommandParser.Parse(client.Welcome.Palettes, words, null, out var error) ?? throw new InvalidOperationException(error);
        while (true)
        {
            ShellFrame.Table? table = null;
            await foreach (var frame in client.RunAsync(request))
            {
                table ??= frame as ShellFrame.Table;
            }

            if (table is not null && done(table))
            {
                return table;
            }

            if (clock.Elapsed > Settle)
            {
                Assert.Fail($"'{string.Join(' ', words)}' on {node} did not show what was awaited within {Settle}; last: "
                    + string.Join(" | ", table?.Rows.Select(r => string.Join(' ', r)) ?? []));
            }

            await Task.Delay(200);
        }
    }
}
