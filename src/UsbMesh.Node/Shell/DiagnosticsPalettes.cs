using Serilog.Events;
using UsbMesh.Mesh.Diagnostics;
using ActorLogLevel = UsbMesh.Actors.Event.LogLevel;

namespace UsbMesh.Node.Shell;

/// <summary><c>actor hierarchy</c>, <c>log level</c> and <c>metrics show</c>: looking inside the running node.</summary>
internal static class DiagnosticsPalettes
{
    /// <summary>Each level by name, as the sink filters it and as the actors' loggers filter it before publishing.</summary>
    private static readonly (string Name, LogEventLevel Level, ActorLogLevel Actors)[] Levels =
    [
        ("debug", LogEventLevel.Debug, ActorLogLevel.Debug), ("info", LogEventLevel.Information, ActorLogLevel.Info),
        ("warning", LogEventLevel.Warning, ActorLogLevel.Warning), ("error", LogEventLevel.Error, ActorLogLevel.Error),
        ("off", LogEventLevel.Fatal + 1, ActorLogLevel.Off),
    ];

    public static ShellPalette Actor(ShellServices services) => new("actor", "The node's actors.",
    [
        new(new("hierarchy", "The actor tree of the node, indented.",
            [
                Arg.Switch("depth", "How many levels below /user to show.", defaultValue: "10", shortSwitch: "-d"),
                Arg.Flag("system", "Show /system (loggers) as well."),
            ]), call => HierarchyAsync(services, call)),
    ]);

    public static ShellPalette Log(ShellServices services) => new("log", "The node's logging.",
    [
        new(new("level", "Shows the running log level, or sets it (until the node restarts).",
            [Arg.Positional("level", "debug, info, warning, error or off (setting it needs the admin right).", 0, mandatory: false)]),
            call => LevelAsync(services, call)),
    ]);

    public static ShellPalette Metrics(ShellServices services) => new("metrics", "The node's metrics.",
    [
        new(new("show", "The metrics in the Prometheus text format.", []), call => MetricsAsync(services, call)),
    ]);

    private static async Task HierarchyAsync(ShellServices services, ShellInvocation call)
    {
        if (!int.TryParse(call.Required("depth"), out var depth) || depth < 0)
        {
            throw ShellCommandException.Usage($"--depth takes a number of levels, not '{call.Required("depth")}'.");
        }

        foreach (var node in ActorTree.Walk(services.System, depth, call.Request.Flag("system")))
        {
            await call.Output.LineAsync($"{new string(' ', node.Depth * 2)}{node.Name}").ConfigureAwait(false);
        }
    }

    private static async Task LevelAsync(ShellServices services, ShellInvocation call)
    {
        var levelSwitch = services.LogLevel
            ?? throw ShellCommandException.Failed("This node's logger was built without a level switch; its level is fixed by usbmesh.logging.level.");
        if (call.Request.Get("level") is { } wanted)
        {
            // Reading the level is open to every trusted peer; changing it is an admin's.
            if (call.Caller.Peer is { } peer && !services.Trust.Current.IsAdmin(peer))
            {
                throw new ShellCommandException(UsbMesh.Shell.ShellErrors.Denied,
                    $"Denied: peer '{call.Caller.Name}' has no admin right on node '{services.NodeName}' (trust.peers: admin = on grants it), which setting the log level needs.");
            }

            var level = Levels.FirstOrDefault(l => string.Equals(l.Name, wanted, StringComparison.OrdinalIgnoreCase));
            if (level.Name is null)
            {
                throw ShellCommandException.Usage($"'{wanted}' is not a log level: {string.Join(", ", Levels.Select(l => l.Name))}.");
            }

            levelSwitch.MinimumLevel = level.Level;
            services.System.EventStream.SetLogLevel(level.Actors);
        }

        var name = Levels.FirstOrDefault(l => l.Level == levelSwitch.MinimumLevel).Name ?? levelSwitch.MinimumLevel.ToString().ToLowerInvariant();
        await call.Output.LineAsync(call.Request.Get("level") is null
            ? $"The log level of node '{services.NodeName}' is {name}."
            : $"The log level of node '{services.NodeName}' is now {name} (usbmesh.logging.level applies again after a restart).").ConfigureAwait(false);
    }

    private static async Task MetricsAsync(ShellServices services, ShellInvocation call)
    {
        if (services.Metrics is null)
        {
            await call.Output.LineAsync($"The metrics are disabled on node '{services.NodeName}' (usbmesh.metrics.enabled).").ConfigureAwait(false);
            return;
        }

        string text;
        try
        {
            text = services.Metrics();
        }
        catch (NotImplementedException)
        {
            throw ShellCommandException.Failed("This node's metrics exporter cannot render yet.");
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await call.Output.LineAsync(line).ConfigureAwait(false);
        }
    }
}
