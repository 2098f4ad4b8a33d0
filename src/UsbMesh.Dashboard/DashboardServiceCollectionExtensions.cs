using Microsoft.Extensions.DependencyInjection;
using UsbMesh.Configuration;
using UsbMesh.Metrics;
using UsbMesh.Node;

namespace UsbMesh.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds the node's metrics (when <c>usbmesh.metrics.enabled</c>): a <see cref="PrometheusExporter"/> of the node's
    /// meters, also offered to the shell (<see cref="ShellMetrics"/>). Call after <c>AddUsbMesh(config)</c>.
    /// </summary>
    /// <exception cref="ConfigurationException">The dashboard or metrics settings are invalid.</exception>
    public static IServiceCollection AddUsbMeshMetrics(this IServiceCollection services)
    {
        var settings = Settings(services);
        if (settings.MetricsEnabled && !services.Any(d => d.ServiceType == typeof(PrometheusExporter)))
        {
            services.AddSingleton(_ => new PrometheusExporter());
            services.AddSingleton(provider => new ShellMetrics(provider.GetRequiredService<PrometheusExporter>().Render));
        }

        return services;
    }

    /// <summary>
    /// Adds the web dashboard and the metrics endpoint as <c>usbmesh.dashboard</c> and <c>usbmesh.metrics</c> say, to
    /// run with the node: call after <c>AddUsbMesh(config)</c>, so that it starts after the node and stops before it.
    /// The running <see cref="DashboardService"/> tells where it listens and its admin token.
    /// </summary>
    /// <exception cref="ConfigurationException">The dashboard or metrics settings are invalid.</exception>
    public static IServiceCollection AddUsbMeshDashboard(this IServiceCollection services)
    {
        services.AddUsbMeshMetrics();
        services.AddSingleton<DashboardService>();
        services.AddHostedService(provider => provider.GetRequiredService<DashboardService>());
        return services;
    }

    private static DashboardSettings Settings(IServiceCollection services)
    {
        if (services.LastOrDefault(d => d.ServiceType == typeof(DashboardSettings))?.ImplementationInstance is DashboardSettings known)
        {
            return known;
        }

        var config = services.LastOrDefault(d => d.ServiceType == typeof(Config))?.ImplementationInstance as Config
            ?? throw new InvalidOperationException("Add the node first: AddUsbMesh(config), then the dashboard and metrics.");
        var settings = DashboardSettings.Read(config);
        services.AddSingleton(settings);
        return settings;
    }
}
