using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UsbMesh.Configuration;
using UsbMesh.Mesh.Identity;
using UsbMesh.Node;

namespace UsbMesh.Dashboard.Tests;

/// <summary>
/// Two nodes in this process, each a full host with its own state directory, talking identity-bound TLS over the
/// loopback interface: a hub with an emulated 1 MiB stick (bus id 100-1) shared with the desk, and a desk whose
/// dashboard listens on a free loopback port and which attaches devices to its usbipd endpoint (no vhci needed).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DashboardMesh : IAsyncLifetime
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    public const string Stick = "hub/100-1";

    private readonly string _directory = Directory.CreateTempSubdirectory("usbmesh-dashboard-tests-").FullName;
    private readonly List<IHost> _hosts = [];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>The desk's dashboard, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Dashboard { get; private set; } = null!;

    /// <summary>The desk's running dashboard (its admin token, its addresses).</summary>
    public DashboardService DeskDashboard { get; private set; } = null!;

    /// <summary>The desk's usbipd endpoint, where attached devices are offered.</summary>
    public IPEndPoint DeskUsbipd { get; private set; } = null!;

    public string StateOf(string node) => Path.Combine(_directory, node);

    public async Task InitializeAsync()
    {
        var hubPort = FreePort();
        DeskUsbipd = new IPEndPoint(IPAddress.Loopback, FreePort());
        var ids = new Dictionary<string, NodeId>(StringComparer.Ordinal);
        foreach (var name in new[] { "hub", "desk" })
        {
            Directory.CreateDirectory(StateOf(name));
            ids[name] = NodeIdentity.LoadOrCreate(Path.Combine(StateOf(name), "identity.key"), out _).Id;
        }

        await StartAsync("hub", $$"""
            listen.endpoints = ["127.0.0.1:{{hubPort}}"]
            trust.peers = [{ name = desk, id = "{{ids["desk"]}}" }]
            gadgets = [{ type = mass-storage, name = stick, image = "stick.img", size = 1 MiB, share-with = [desk] }]
            dashboard.enabled = off
            metrics.enabled = off
            """);
        var desk = await StartAsync("desk", $$"""
            listen.endpoints = []
            mesh.seed-nodes = ["127.0.0.1:{{hubPort}}"]
            trust.peers = [{ name = hub, id = "{{ids["hub"]}}" }]
            imports.attach-to = usbipd
            usbipd { enabled = on, endpoint = "127.0.0.1:{{DeskUsbipd.Port}}" }
            dashboard.endpoint = "127.0.0.1:0"
            """);
        DeskDashboard = desk.Services.GetRequiredService<DashboardService>();
        Dashboard = DeskDashboard.DashboardAddress ?? throw new InvalidOperationException("The desk's dashboard did not start.");

        // The desk sees the hub up and its stick, through its own dashboard.
        await WaitUntilAsync(async () =>
        {
            var state = await StateAsync();
            return state.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("name").GetString() == "hub" && p.GetProperty("state").GetString() == "up")
                && state.GetProperty("devices").EnumerateArray().Any(d => d.GetProperty("device").GetString() == Stick);
        });
    }

    private async Task<IHost> StartAsync(string name, string settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString($$"""
            usbmesh {
              node { name = {{name}}, state-directory = "{{StateOf(name)}}" }
              logging { console.enabled = off, file { path = node.log, format = text, rolling = infinite } }
              usb-host.enabled = off
              transports.heartbeat-interval = 300ms
              mesh { gossip-interval = 300ms, failure-detector.heartbeat-interval = 300ms }
              {{settings}}
            }
            """, $"{name}.conf")).AddUsbMeshDashboard();
        var host = builder.Build();
        await host.StartAsync().WaitAsync(Bound);
        _hosts.Add(host);
        return host;
    }

    /// <summary>The desk dashboard's <c>/api/state</c>.</summary>
    public async Task<JsonElement> StateAsync() => await Http.GetFromJsonAsync<JsonElement>(new Uri(Dashboard, "/api/state"));

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync().WaitAsync(Bound);
            host.Dispose();
        }

        Http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A log file still held open; the system's temp cleaning takes it later.
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Bound, "condition not met in time");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardMeshCollection : ICollectionFixture<DashboardMesh>
{
    public const string Name = "dashboard mesh";
}
