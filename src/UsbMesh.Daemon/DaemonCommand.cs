using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbMesh.Actors;
using UsbMesh.Configuration;
using UsbMesh.Dashboard;
using UsbMesh.Node;

namespace UsbMesh.Daemon;

/// <summary>
/// usbmeshd's command line: <c>--config FILE</c>, <c>--set path=value</c> (repeatable), <c>--print-config</c>.
/// Exit codes: 0 after a clean stop, 1 for a usage error, 2 for a broken configuration, 3 when the node cannot
/// start (its state directory cannot be created) or its actor system ended by itself (so that a service manager
/// restarts it).
/// </summary>
internal static partial class DaemonCommand
{
    public const int ExitOk = 0;
    public const int ExitConfigurationError = 2;
    public const int ExitNodeFailed = 3;

    /// <summary>Signals are left to the host, which turns SIGTERM and Ctrl-C into the phased shutdown.</summary>
    public static readonly InvocationConfiguration Invocation = new() { ProcessTerminationTimeout = null };

    public static RootCommand Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = "The node's HOCON configuration file, layered over the embedded reference.conf.",
            HelpName = "FILE",
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Sets one value on top of the configuration, as the HOCON 'path = value'. Repeatable; the last wins.",
            HelpName = "PATH=VALUE",
        };
        set.Validators.Add(result =>
        {
            foreach (var assignment in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!NodeConfig.IsOverride(assignment))
                {
                    result.AddError($"--set expects PATH=VALUE, got '{assignment}'.");
                }
            }
        });
        var printConfig = new Option<bool>("--print-config")
        {
            Description = "Prints the merged configuration with the origin of every value, then exits.",
        };

        var command = new RootCommand("The UsbMesh node: shares USB devices with the other nodes of an authenticated mesh.")
        {
            config, set, printConfig,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(config), parse.GetValue(set) ?? [], parse.GetValue(printConfig), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, string[] overrides, bool printConfig, CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder;
        try
        {
            var config = NodeConfig.Load(configFile, overrides);
            if (printConfig)
            {
                Console.Out.Write(config.Render(withOrigins: true));
                return ExitOk;
            }

            // No defaults: HOCON is the node's only configuration (no appsettings.json, no environment variables,
            // no other logging providers), while the console lifetime still turns SIGTERM and Ctrl-C into a stop.
            builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "usbmeshd" });
            builder.Services.AddUsbMesh(config).AddUsbMeshDashboard();
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitConfigurationError;
        }

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Mesh.Identity.IdentityException or Mesh.Trust.TrustStoreException
            or Mesh.Transport.TransportException or System.Net.Sockets.SocketException)
        {
            // E.g. a state directory the node's user cannot create, an identity key others can read: say what,
            // without a stack trace.
            await Console.Error.WriteLineAsync($"usbmeshd: cannot start: {e.Message}").ConfigureAwait(false);
            return ExitNodeFailed;
        }

        var settings = host.Services.GetRequiredService<NodeSettings>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("usbmeshd");
        LogStarted(logger, settings.Name, configFile is null ? "(none: the defaults)" : Path.GetFullPath(configFile), Environment.ProcessId);
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return ActorSystemService.TerminatedUnexpectedly(host.Services.GetRequiredService<ActorSystem>()) ? ExitNodeFailed : ExitOk;
    }

    [LoggerMessage(LogLevel.Information, "Node {Node} started with configuration {ConfigFile}, pid {Pid}")]
    private static partial void LogStarted(ILogger logger, string node, string configFile, int pid);
}
