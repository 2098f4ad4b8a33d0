using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UsbMesh.Actors;
using UsbMesh.Configuration;
using UsbMesh.Dashboard;
using UsbMesh.Mesh.Identity;
using UsbMesh.Node;
using UsbipdProtocol = UsbMesh.Usbipd.Usbipd;

namespace UsbMesh.Cli.Nodes;

/// <summary>
/// A node run in this process with the node's own host wiring (<see cref="ServiceCollectionExtensions.AddUsbMesh"/>),
/// as usbmeshd runs it, except that the process's Ctrl-C is left to the caller. Disposing stops it through its
/// coordinated shutdown.
/// </summary>
public sealed class LocalNode : IAsyncDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private readonly IHost _host;
    private bool _stopped;

    private LocalNode(LocalNodeSpec spec, IHost host)
    {
        Spec = spec;
        _host = host;
        Service = host.Services.GetRequiredService<ActorSystemService>();
        Settings = host.Services.GetRequiredService<NodeSettings>();
        System = host.Services.GetRequiredService<ActorSystem>();
    }

    public LocalNodeSpec Spec { get; }

    public NodeSettings Settings { get; }

    public ActorSystem System { get; }

    /// <summary>The node's parts: identity, mesh, exports, usbipd endpoint, command host.</summary>
    public ActorSystemService Service { get; }

    public string Name => Settings.Name;

    public NodeId Id => Service.Identity!.Id;

    /// <summary>The node's part in the mesh.</summary>
    public MeshHost Mesh => Service.Mesh ?? throw new InvalidOperationException($"node {Name} has not started");

    /// <summary>The admin socket the <c>usbmesh</c> client connects to.</summary>
    public string AdminSocket => Settings.Shell.Socket;

    /// <summary>Starts a node configured by <paramref name="spec"/>.</summary>
    /// <exception cref="ConfigurationException">The configuration is invalid.</exception>
    public static async Task<LocalNode> StartAsync(LocalNodeSpec spec, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = spec.Name });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString(spec.ToHocon(), $"node {spec.Name}")).AddUsbMeshDashboard();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new LocalNode(spec, host);
    }

    /// <summary>The dashboard's address with its admin token (so that its buttons work), or null when it is off.</summary>
    public string? DashboardUrl =>
        _host.Services.GetService<DashboardService>() is { DashboardAddress: { } address, Token: { } token }
            ? $"{address}?token={token.Value}"
            : null;

    /// <summary>Where the node's usbipd endpoint listens, if it is on.</summary>
    public async Task<IPEndPoint?> UsbipdEndpointAsync() =>
        ReferenceEquals(Service.Usbipd, ActorRefs.Nobody)
            ? null
            : (await Service.Usbipd.Ask<UsbipdProtocol.Bound>(UsbipdProtocol.GetBinding.Instance, AskTimeout).ConfigureAwait(false)).Endpoint;

    /// <summary>Stops the node (its coordinated shutdown); the second call does nothing.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _host.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }

    /// <summary>A host lifetime that leaves Ctrl-C and SIGTERM alone: several nodes share this process, and its owner stops them.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
