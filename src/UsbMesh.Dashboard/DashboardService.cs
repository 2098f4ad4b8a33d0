using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbMesh.Metrics;
using UsbMesh.Node;

namespace UsbMesh.Dashboard;

/// <summary>
/// Serves the node's dashboard and metrics while the host runs: starts after the node (registered after it) and
/// stops before it. The dashboard's admin token is made at each start and logged with the page's address.
/// </summary>
public sealed partial class DashboardService(DashboardSettings settings, NodeSettings node, ILoggerFactory loggers, PrometheusExporter? exporter = null)
    : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger<DashboardService>();
    private readonly List<WebApplication> _servers = [];
    private NodeShell? _shell;

    /// <summary>The dashboard's address once started (null when it is off).</summary>
    public Uri? DashboardAddress { get; private set; }

    /// <summary>The metrics' full address once started (null when they are off).</summary>
    public Uri? MetricsAddress { get; private set; }

    /// <summary>The admin token of this run (null when the dashboard is off).</summary>
    public DashboardToken? Token { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var metrics = settings.MetricsEnabled ? exporter : null;
        if (settings.Enabled)
        {
            if (!node.Shell.Enabled)
            {
                LogShellOff(_logger);
            }

            Token = DashboardToken.Create(node.StateDirectory);
            _shell = new NodeShell(node.Shell.Socket, _logger);
            var api = new DashboardApi(_shell, Token, new ThroughputTracker(TimeProvider.System));
            var server = await StartServerAsync(DashboardServer.Build(settings.Endpoint, settings, loggers, api, settings.MetricsOnDashboard ? settings.MetricsPath : null, metrics), cancellationToken).ConfigureAwait(false);
            if (server is not null)
            {
                DashboardAddress = DashboardServer.Address(server);
                LogDashboard(_logger, node.Name, new Uri(DashboardAddress, $"/?token={Token.Value}"), Token.File);
                if (settings.MetricsOnDashboard)
                {
                    MetricsAddress = new Uri(DashboardAddress, settings.MetricsPath);
                }
            }
        }

        if (metrics is not null && !settings.MetricsOnDashboard
            && await StartServerAsync(DashboardServer.Build(settings.MetricsEndpoint, settings, loggers, null, settings.MetricsPath, metrics), cancellationToken).ConfigureAwait(false) is { } metricsServer)
        {
            MetricsAddress = new Uri(DashboardServer.Address(metricsServer), settings.MetricsPath);
        }

        if (MetricsAddress is not null)
        {
            LogMetrics(_logger, MetricsAddress);
        }
    }

    /// <summary>Starts <paramref name="server"/>; null when its endpoint cannot be bound (taken by another program
    /// or node), which is logged: the node shares devices as well without its web pages.</summary>
    private async Task<WebApplication?> StartServerAsync(WebApplication server, CancellationToken cancellationToken)
    {
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            _servers.Add(server);
            return server;
        }
        catch (IOException e)
        {
            LogCannotListen(_logger, e.Message);
            await server.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var server in _servers)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _servers.Clear();
        if (_shell is not null)
        {
            await _shell.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(LogLevel.Information, "Dashboard of node {Node}: {Url} (the admin token is also in {TokenFile})")]
    private static partial void LogDashboard(ILogger logger, string node, Uri url, string tokenFile);

    [LoggerMessage(LogLevel.Warning, "Dashboard and metrics: {Reason}; the node runs without them")]
    private static partial void LogCannotListen(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "Dashboard: the command host is off (usbmesh.shell.enabled), so the page has nothing to show")]
    private static partial void LogShellOff(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Metrics at {Url}")]
    private static partial void LogMetrics(ILogger logger, Uri url);
}
