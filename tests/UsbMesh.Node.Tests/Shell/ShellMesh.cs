using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;
using UsbMesh.Mesh.Identity;
using UsbMesh.Shell;

namespace UsbMesh.Node.Tests.Shell;

/// <summary>
/// Three nodes in this process, each a full host with its own state directory, talking identity-bound TLS over the
/// loopback interface: a hub with an emulated stick and keyboard, a desk the hub trusts without the admin right and a
/// guest it trusts with it. Tests reach each node through its real admin socket.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ShellMesh : IAsyncLifetime
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _directory = new();
    private readonly string[] _names;
    private readonly Func<string, string> _extra;

    public ShellMesh()
        : this(["hub", "desk", "guest"], _ => "")
    {
    }

    /// <param name="names">The nodes; the first is the hub (the seed, with the gadgets).</param>
    /// <param name="extra">More settings under <c>usbmesh</c> for a node, by name.</param>
    internal ShellMesh(string[] names, Func<string, string> extra)
    {
        _names = names;
        _extra = extra;
    }

    private string[] Names => _names;
    private readonly Dictionary<string, IHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeId> _ids = new(StringComparer.Ordinal);
    private Dictionary<string, int> _ports = [];

    public IReadOnlyDictionary<string, NodeId> Ids => _ids;

    public string StateOf(string node) => Path.Combine(_directory.Path, node);

    public string SocketOf(string node) => Path.Combine(StateOf(node), "admin.sock");

    /// <summary>Where <paramref name="node"/> listens for the mesh (identity-bound TLS).</summary>
    public string MeshEndpointOf(string node) => $"127.0.0.1:{_ports[node]}";

    public IHost this[string node] => _hosts[node];

    public async Task InitializeAsync()
    {
        var ports = _ports = Names.ToDictionary(n => n, _ => FreePorts.Loopback(), StringComparer.Ordinal);
        foreach (var name in Names)
        {
            Directory.CreateDirectory(StateOf(name));
            _ids[name] = NodeIdentity.LoadOrCreate(Path.Combine(StateOf(name), "identity.key"), out _).Id;
        }

        foreach (var name in Names)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddUsbMesh(ConfigurationFactory.ParseString(ConfigOf(name, ports), $"{name}.conf"));
            var host = builder.Build();
            await host.StartAsync().WaitAsync(Bound);
            _hosts[name] = host;
        }

        // Every node sees the others up, and the desk sees the hub's devices.
        await WaitUntilAsync(async () =>
        {
            foreach (var name in Names)
            {
                if (await RowsAsync(name, "peers") is not { } peers || peers.Count(r => r[2] == "up") < Names.Length)
                {
                    return false;
                }
            }

            return await RowsAsync(Names[1], "devices") is { } devices && devices.Count(r => r[1] == "hub") >= 2;
        });
    }

    /// <summary>The rows of <c>&lt;palette&gt; list</c>, or null while the mesh is forming and the command fails.</summary>
    private async Task<IReadOnlyList<IReadOnlyList<string>>?> RowsAsync(string node, string palette)
    {
        var result = await RunAsync(node, palette, "list");
        return result.ExitCode == 0 ? result.Tables.Single().Rows : null;
    }

    private string ConfigOf(string name, Dictionary<string, int> ports)
    {
        var peers = string.Join(", ", Names.Where(n => n != name).Select(n =>
            $"{{ name = {n}, id = \"{_ids[n]}\", admin = {(name == "hub" && n == "guest" ? "on" : "off")} }}"));
        var gadgets = name == "hub"
            ? """
              gadgets = [
                { type = mass-storage, name = stick, image = "stick.img", size = 1 MiB }
                { type = keyboard, name = keys }
              ]
              """
            : "";
        return $$"""
            usbmesh {
              node { name = {{name}}, state-directory = "{{StateOf(name)}}" }
              listen.endpoints = ["127.0.0.1:{{ports[name]}}"]
              logging.console.enabled = off
              usb-host.enabled = off
              usbipd { enabled = on, endpoint = "127.0.0.1:0" }
              mesh {
                seed-nodes = ["127.0.0.1:{{ports["hub"]}}"]
                gossip-interval = 300ms
                failure-detector.heartbeat-interval = 300ms
              }
              trust.peers = [ {{peers}} ]
              {{gadgets}}
              {{_extra(name)}}
            }
            """;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values.Reverse())
        {
            await host.StopAsync().WaitAsync(Bound);
            host.Dispose();
        }

        _directory.Dispose();
    }

    /// <summary>Opens a client on <paramref name="node"/>'s admin socket.</summary>
    public Task<ShellClient> ConnectAsync(string node) => ShellClient.ConnectAsync(SocketOf(node), "tests");

    /// <summary>Runs one command on <paramref name="node"/>'s admin socket and gathers its frames.</summary>
    public async Task<ShellResult> RunAsync(string node, string palette, string command, IReadOnlyDictionary<string, string>? arguments = null, string? on = null)
    {
        await using var client = await ConnectAsync(node);
        return await ShellResult.RunAsync(client, new CommandRequest(palette, command, arguments ?? new Dictionary<string, string>(), on));
    }

    /// <summary>Runs a command that must succeed with one table; returns it.</summary>
    public async Task<ShellFrame.Table> TableAsync(string node, string palette, string command, IReadOnlyDictionary<string, string>? arguments = null, string? on = null)
    {
        var result = await RunAsync(node, palette, command, arguments, on);
        Assert.True(result.ExitCode == 0, $"{palette} {command} on {node}: {result}");
        return Assert.Single(result.Tables);
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Bound, "condition not met in time");
            await Task.Delay(100);
        }
    }
}

/// <summary>The frames of one command.</summary>
public sealed record ShellResult(IReadOnlyList<ShellFrame> Frames)
{
    public int ExitCode => Frames.OfType<ShellFrame.End>().Single().ExitCode;

    public IReadOnlyList<ShellFrame.Table> Tables => [.. Frames.OfType<ShellFrame.Table>()];

    public IReadOnlyList<ShellFrame.Error> Errors => [.. Frames.OfType<ShellFrame.Error>()];

    public string Text => string.Join("\n", Frames.OfType<ShellFrame.Line>().Select(l => l.Text));

    public static async Task<ShellResult> RunAsync(ShellClient client, CommandRequest request)
    {
        var frames = new List<ShellFrame>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var frame in client.RunAsync(request).WithCancellation(timeout.Token))
        {
            frames.Add(frame);
        }

        return new ShellResult(frames);
    }

    public override string ToString() => string.Join("; ", Frames.Select(f => f.ToString()));
}
