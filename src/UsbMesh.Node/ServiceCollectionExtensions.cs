using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;
using UsbMesh.Actors;
using UsbMesh.Configuration;

namespace UsbMesh.Node;

public static class ServiceCollectionExtensions
{
    /// <summary>What the host may take beyond the coordinated shutdown itself before it gives up waiting.</summary>
    public static readonly TimeSpan HostShutdownMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Adds a UsbMesh node configured by <paramref name="config"/> (completed with reference.conf): its
    /// <see cref="NodeSettings"/>, its Serilog logger (which also receives everything logged through
    /// Microsoft.Extensions.Logging, in place of the other logging providers), and its <see cref="ActorSystem"/>,
    /// started with the host and stopped through the coordinated shutdown when the host stops. The host's
    /// shutdown timeout is set to leave the shutdown phases their time.
    /// </summary>
    /// <exception cref="ConfigurationException">The configuration is invalid; nothing was added.</exception>
    public static IServiceCollection AddUsbMesh(this IServiceCollection services, Config config)
    {
        var merged = NodeConfig.WithReference(config);
        var settings = NodeSettings.FromCompleteConfig(merged);

        services.AddSingleton(merged);
        services.AddSingleton(settings);
        services.AddSingleton(new NodeLogLevel(new Serilog.Core.LoggingLevelSwitch()));
        services.AddSingleton<Serilog.ILogger>(provider => NodeLogging.CreateLogger(settings.Logging, provider.GetRequiredService<NodeLogLevel>().Switch));
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<ILoggerProvider>(provider =>
            new SerilogLoggerProvider(provider.GetRequiredService<Serilog.ILogger>(), dispose: false));
        services.AddSingleton(provider =>
            ActorSystem.Create(settings.Name, settings.ToActorSystemSettings(provider.GetRequiredService<Serilog.ILogger>())));
        services.AddSingleton<ActorSystemService>();
        services.AddHostedService(provider => provider.GetRequiredService<ActorSystemService>());
        services.AddOptions<HostOptions>().Configure<ActorSystem>((options, system) =>
            options.ShutdownTimeout = system.CoordinatedShutdown.TotalTimeout + HostShutdownMargin);
        return services;
    }
}
